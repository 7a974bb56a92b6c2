package dev.steadfast.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * deploy/ is the chart rendered with its default values, plus the namespace and the CRD, for
 * `kubectl apply -k deploy/`.
 */
class DeployManifestsTest {
  static final Path DIR = Path.of("deploy");
  static final Path RENDERED = DIR.resolve("steadfast.yaml");
  static final String REFRESH = "./mvnw test -Dtest=DeployManifestsTest -Ddeploy.write=true";
  static final String HEADER =
      "# Generated from helm/steadfast with its default values (release steadfast, namespace"
          + " steadfast-system).\n# Do not edit: change the chart, then run `"
          + REFRESH
          + "`.\n";

  static String generated() {
    return HEADER + Chart.template("");
  }

  @Test
  void renderedManifestsAreTheChartWithDefaultValues() throws Exception {
    String expected = generated();
    if (Boolean.getBoolean("deploy.write")) {
      Files.writeString(RENDERED, expected);
    }
    assertThat(Files.exists(RENDERED) ? Files.readString(RENDERED) : "")
        .as("%s is stale; refresh it with `%s`", RENDERED, REFRESH)
        .isEqualTo(expected);
  }

  @Test
  void theCrdIsTheCommittedOne() throws Exception {
    Path copy = DIR.resolve(ChartTest.CRD);
    assertThat(Files.mismatch(copy, ChartTest.CRD))
        .as("%s must be a copy of %s", copy, ChartTest.CRD)
        .isEqualTo(-1L);
  }

  @Test
  void theKustomizationListsTheNamespaceTheCrdAndTheOperator() throws Exception {
    String kustomization = Files.readString(DIR.resolve("kustomization.yaml"));
    assertThat(kustomization)
        .contains(
            "  - namespace.yaml\n  - crds/agenttasks.steadfast.dev-v1.yml\n  - steadfast.yaml\n");
    HasMetadata ns = Chart.parse(Files.readString(DIR.resolve("namespace.yaml"))).get(0);
    assertThat(ns.getKind()).isEqualTo("Namespace");
    assertThat(ns.getMetadata().getName()).isEqualTo(Chart.NAMESPACE);
    assertThat(ns.getMetadata().getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
  }

  /** What `kubectl apply -k deploy/` would send, when kubectl is installed. */
  @Test
  void kubectlKustomizeBuildsTheNamespaceTheCrdAndTheChartsObjects() throws Exception {
    Path kubectl = onPath("kubectl");
    assumeThat(kubectl).as("kubectl on PATH").isNotNull();
    Process p =
        new ProcessBuilder(kubectl.toString(), "kustomize", DIR.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    List<HasMetadata> built = Chart.parse(out);
    List<HasMetadata> chart = Chart.render("").objects();
    assertThat(built).extracting(DeployManifestsTest::id).startsWith("Namespace//steadfast-system");
    assertThat(built)
        .extracting(DeployManifestsTest::id)
        .containsExactlyInAnyOrderElementsOf(
            concat(
                List.of(
                    "Namespace//steadfast-system",
                    "CustomResourceDefinition//agenttasks.steadfast.dev"),
                chart.stream().map(DeployManifestsTest::id).toList()));
    assertThat(built)
        .allSatisfy(
            o ->
                assertThat(o.getMetadata().getLabels())
                    .containsEntry("app.kubernetes.io/managed-by", "kustomize"));
  }

  private static String id(HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return o.getKind() + "/" + (ns == null ? "" : ns) + "/" + o.getMetadata().getName();
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }

  private static Path onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, command);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
