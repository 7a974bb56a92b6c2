package dev.steadfast.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.build.ImageCds;
import dev.steadfast.build.ImageRootfs;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The image the `image` profile builds and the chart that runs it agree: name and tag, the non-root
 * user, the JVM's container flags. (The image itself is proven by running it; see docs/install.md.)
 */
class ImageTest {
  static final Document POM = pom();

  @Test
  void theChartsDefaultImageIsTheOneTheProfileBuilds() {
    String name = text(profile(), "image.name");
    Container c = ChartTest.container(Chart.render("").one(Deployment.class));
    assertThat(name).isEqualTo("ghcr.io/steadfast-dev/steadfast:${project.version}");
    assertThat(c.getImage())
        .isEqualTo(name.replace("${project.version}", text(POM.getDocumentElement(), "version")));
  }

  @Test
  void theImageRunsAsTheNonRootUserThePodRunsAs() {
    PodSecurityContext pod =
        Chart.render("")
            .one(Deployment.class)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getSecurityContext();
    assertThat(text(profile(), "user")).isEqualTo(ImageRootfs.UID + ":" + ImageRootfs.UID);
    assertThat(pod.getRunAsUser()).isEqualTo((long) ImageRootfs.UID);
    assertThat(pod.getRunAsGroup()).isEqualTo((long) ImageRootfs.UID);
  }

  @Test
  void theEntrypointIsTheJlinkedJavaWithContainerAwareFlags() {
    List<String> entrypoint = List.of(text(profile(), "entrypoint").split(","));
    assertThat(entrypoint.get(0)).isEqualTo("/" + ImageRootfs.JAVA_HOME + "/bin/java");
    assertThat(entrypoint)
        .contains(
            "-XX:+UseContainerSupport",
            "-XX:MaxRAMPercentage=75",
            "-XX:+ExitOnOutOfMemoryError",
            // the root filesystem is read-only: no hsperfdata file, temporary files in the emptyDir
            "-XX:-UsePerfData",
            "-Djava.io.tmpdir=/tmp")
        .endsWith("dev.steadfast.cli.Main");
    // The AppCDS archive ImageCds makes, with the class path it was made for: that path is
    // relative to the working directory, so the image must start there.
    assertThat(entrypoint)
        .contains("-XX:SharedArchiveFile=" + ImageCds.ARCHIVE, "-Xshare:auto")
        .containsSequence("-cp", "@" + ImageCds.CLASS_PATH_FILE);
    assertThat(text(profile(), "workingDirectory")).isEqualTo(ImageCds.WORKING_DIRECTORY);
    assertThat(text(profile(), "containerizingMode")).isEqualTo("packaged");
    // The chart passes the subcommand and its flags as args.
    assertThat(ChartTest.container(Chart.render("").one(Deployment.class)).getArgs().get(0))
        .isEqualTo("operator");
  }

  @Test
  void theJreHasTheModulesTheJarNeeds() {
    assertThat(ImageRootfs.MODULES)
        .contains(
            "java.base",
            "java.net.http", // LLM and HTTP calls
            "jdk.httpserver", // /metrics, /healthz, /readyz
            "jdk.crypto.ec", // TLS with most servers
            "jdk.management", // JVM metrics
            "jdk.unsupported"); // sun.misc.Unsafe for protobuf (CEL)
  }

  private static Element profile() {
    var profiles = POM.getElementsByTagName("profile");
    for (int i = 0; i < profiles.getLength(); i++) {
      Element p = (Element) profiles.item(i);
      if ("image".equals(text(p, "id"))) {
        return p;
      }
    }
    throw new AssertionError("pom.xml has no profile `image`");
  }

  private static String text(Element parent, String tag) {
    var nodes = parent.getElementsByTagName(tag);
    assertThat(nodes.getLength()).as("<%s>", tag).isPositive();
    return nodes.item(0).getTextContent().strip();
  }

  private static Document pom() {
    try {
      return DocumentBuilderFactory.newInstance()
          .newDocumentBuilder()
          .parse(Files.newInputStream(Path.of("pom.xml")));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
