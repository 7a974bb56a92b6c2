package dev.steadfast.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.cli.Main;
import dev.steadfast.executors.CanaryEcho;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each `steadfast run` closes the HTTP client it made: a process (a test suite, an embedding
 * program) that runs many tasks must not keep each task's pooled connections open.
 */
class RunReleasesItsClientTest {
  static final int RUNS = 5;

  @TempDir Path dir;

  @Test
  void runningTasksOneAfterAnotherLeavesNoConnectionsOpen() throws Exception {
    try (CanaryEcho echo = CanaryEcho.start()) {
      Path task = dir.resolve("one.yaml");
      Files.writeString(
          task,
          ("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: one}\nspec:\n"
                  + "  steps:\n    - name: fetch\n      http: {url: 'ECHO/echo?pad=10'}\n")
              .replace("ECHO", echo.url()));
      run(task, 0); // the first run starts what the process keeps anyway (loggers, pools)
      long before = openFiles();

      for (int i = 1; i <= RUNS; i++) {
        assertThat(run(task, i)).isZero();
      }

      // Each kept connection is two descriptors here (the client's and the echo server's end).
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(openFiles())
                      .as("open file descriptors after %d more runs", RUNS)
                      .isLessThan(before + RUNS));
    }
  }

  private int run(Path task, int i) {
    PrintStream stdout = System.out;
    try {
      System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      return Main.execute("run", task.toString(), "--state-dir", dir.resolve("s" + i).toString());
    } finally {
      System.setOut(stdout);
    }
  }

  private static long openFiles() throws java.io.IOException {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }
}
