package dev.steadfast.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release artefact `./mvnw package` leaves in target/: unpacked elsewhere, its launchers run
 * the jar it carries, as the kubectl plugin and as its completion.
 */
class ReleaseTarballIT {
  @TempDir Path dir;

  record Run(int exit, String out) {}

  Run run(Path executable, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(executable.toString());
    pb.command().addAll(List.of(args));
    pb.environment().remove("STEADFAST_JAR");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  @Test
  void theTarballCarriesTheLaunchersAndTheJarAndTheyRun() throws Exception {
    String version = System.getProperty("project.version", "0.1.0-SNAPSHOT");
    Path tarball = Path.of("target", "steadfast-" + version + ".tar.gz");
    assertThat(tarball).exists();
    Process tar =
        new ProcessBuilder("tar", "xzf", tarball.toAbsolutePath().toString(), "-C", dir.toString())
            .inheritIO()
            .start();
    assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(tar.exitValue()).isZero();
    Path root = dir.resolve("steadfast-" + version);
    for (String launcher :
        List.of("steadfast", "kubectl-steadfast", "kubectl_complete-steadfast")) {
      assertThat(Files.isExecutable(root.resolve("bin").resolve(launcher))).as(launcher).isTrue();
    }
    assertThat(root.resolve("lib/steadfast.jar")).exists();
    assertThat(root.resolve("crds/agenttasks.steadfast.dev-v1.yml")).exists();

    Run version1 = run(root.resolve("bin/kubectl-steadfast"), "--version");
    assertThat(version1.exit()).as(version1.out()).isZero();
    assertThat(version1.out()).contains(version);
    Run help = run(root.resolve("bin/kubectl-steadfast"), "tree", "--help");
    assertThat(help.exit()).as(help.out()).isZero();
    assertThat(help.out()).startsWith("Usage: steadfast tree");
    Run complete = run(root.resolve("bin/kubectl_complete-steadfast"), "des");
    assertThat(complete.out()).isEqualTo("describe\n:4\n");
  }
}
