package dev.steadfast.local;

import static dev.steadfast.executors.CanaryEcho.CANARY;
import static dev.steadfast.executors.CanaryEcho.assertNoCanary;
import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.cli.Main;
import dev.steadfast.engine.format.Json;
import dev.steadfast.executors.CanaryEcho;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `steadfast run` against a server that echoes the Secret it is sent, in every spelling: the value
 * is in no checkpoint, cache file, progress line or --status-out file, successful outputs included.
 */
class RunRedactionTest {
  @TempDir Path dir;

  @Test
  void anEchoedSecretIsInNoFileNoProgressLineAndNotInTheStatusOut() throws Exception {
    try (CanaryEcho echo = CanaryEcho.start()) {
      Path secrets = dir.resolve("secrets");
      Files.createDirectories(secrets.resolve("api"));
      Files.writeString(secrets.resolve("api/token"), CANARY + "\n");
      String auth = ", auth: {secretRef: {name: api, key: token}}";
      Path task = dir.resolve("leak.yaml");
      Files.writeString(
          task,
          ("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: leak}\nspec:\n"
                  + "  policy: {retry: {maxAttempts: 2, backoff: {initialDelay: 10ms, maxDelay: 20ms}}}\n"
                  + "  steps:\n"
                  + "    - name: fetch\n      http: {url: 'ECHO/echo'AUTH}\n"
                  + "    - name: text\n      http: {url: 'ECHO/text', output: {format: text}AUTH}\n"
                  + "    - name: big\n      http: {url: 'ECHO/echo?pad=6000'AUTH}\n"
                  + "    - name: fails\n      http: {url: 'ECHO/fail'AUTH}\n")
              .replace("ECHO", echo.url())
              .replace("AUTH", auth));
      Path state = dir.resolve("state");
      Path statusOut = dir.resolve("out/status.yaml");

      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      PrintStream stdout = System.out;
      int exit;
      try {
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        exit =
            Main.execute(
                "run",
                task.toString(),
                "--state-dir",
                state.toString(),
                "--secrets-dir",
                secrets.toString(),
                "--status-out",
                statusOut.toString());
      } finally {
        System.setOut(stdout);
      }

      assertThat(exit).as("the last step keeps failing with HTTP 500").isEqualTo(1);
      // The server did receive the secret, on every attempt: it was there to leak.
      assertThat(echo.tokens()).hasSize(5).containsOnly(CANARY);
      String status = Files.readString(statusOut);
      AgentTaskStatus s = Json.YAML.readValue(status, AgentTaskStatus.class);
      assertThat(s.steps.get(0).output.get("raw").asText()).isEqualTo("[REDACTED]");
      assertThat(s.steps.get(0).output.get("base64").asText()).isEqualTo("[REDACTED]");
      assertThat(s.steps.get(1).output.asText()).contains("[REDACTED]");
      assertThat(s.steps.get(3).lastError.message).contains("HTTP 500", "[REDACTED]");
      assertNoCanary("--status-out", status);
      String progress = printed.toString(StandardCharsets.UTF_8);
      assertThat(progress).contains("StepRetrying", "[REDACTED]");
      assertNoCanary("progress lines", progress);
      List<Path> files;
      try (Stream<Path> walk = Files.walk(state)) {
        files = walk.filter(Files::isRegularFile).toList();
      }
      assertThat(files)
          .extracting(f -> state.relativize(f).toString())
          .contains("leak/status.json", "cache/default.json");
      for (Path f : files) {
        assertNoCanary(f.toString(), read(f));
      }
      assertThat(read(state.resolve("cache/default.json"))).contains("[REDACTED]");
    }
  }

  private static String read(Path f) throws IOException {
    return new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
  }
}
