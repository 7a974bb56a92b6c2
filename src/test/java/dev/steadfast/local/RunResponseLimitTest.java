package dev.steadfast.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.StepPhase;
import dev.steadfast.cli.Main;
import dev.steadfast.engine.format.Json;
import dev.steadfast.executors.CanaryEcho;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `steadfast run --max-response-bytes`: the same cap as the operator's, on the user's machine. */
class RunResponseLimitTest {
  @TempDir Path dir;

  @Test
  void aBodyOverTheFlagFailsItsStepOutputTooLargeAndASmallerOneIsRead() throws Exception {
    try (CanaryEcho echo = CanaryEcho.start()) {
      Path task = dir.resolve("limits.yaml");
      Files.writeString(
          task,
          ("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: limits}\nspec:\n"
                  + "  steps:\n"
                  + "    - name: small\n      http: {url: 'ECHO/echo?pad=1000'}\n"
                  + "    - name: large\n      http: {url: 'ECHO/echo?pad=6000'}\n")
              .replace("ECHO", echo.url()));
      Path statusOut = dir.resolve("status.yaml");
      PrintStream stdout = System.out;
      int exit;
      try {
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        exit =
            Main.execute(
                "run",
                task.toString(),
                "--state-dir",
                dir.resolve("state").toString(),
                "--status-out",
                statusOut.toString(),
                "--max-response-bytes",
                "4Ki");
      } finally {
        System.setOut(stdout);
      }

      assertThat(exit).isEqualTo(1);
      AgentTaskStatus s = Json.YAML.readValue(Files.readString(statusOut), AgentTaskStatus.class);
      assertThat(s.steps.get(0).phase).isEqualTo(StepPhase.Succeeded);
      assertThat(s.steps.get(1).phase).isEqualTo(StepPhase.Failed);
      assertThat(s.steps.get(1).lastError.reason).isEqualTo("OutputTooLarge");
      assertThat(s.steps.get(1).lastError.message).contains("4 KiB", "--max-response-bytes 4096");
      // Fatal: asked once, not retried.
      assertThat(s.steps.get(1).attempts).isEqualTo(1);
    }
  }
}
