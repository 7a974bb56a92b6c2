package dev.steadfast.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `steadfast simulate --request-log FILE` and its reset endpoint, used as a user does. */
class SimulateIT {
  static final String CANARY = "sk-canary-9f3b1c";
  static final Pattern LISTENING = Pattern.compile("on (http://127\\.0\\.0\\.1:\\d+)");

  private final HttpClient http = HttpClient.newHttpClient();
  private Process process;

  @AfterEach
  void stop() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  @Test
  void theRequestLogHasOneJsonLinePerRequestWithoutCredentialsAndResetEmptiesIt(@TempDir Path dir)
      throws Exception {
    Path log = dir.resolve("requests.jsonl");
    String base =
        start(dir, "simulate", "--port", "0", "--faults", "429@1", "--request-log", log.toString());

    post(base + "/v1/chat/completions", openAi("gpt-4o"), "key-1");
    post(base + "/v1/chat/completions", openAi("gpt-4o"), "key-2");
    post(
        base + "/v1/messages",
        "{\"model\":\"claude\",\"max_tokens\":10,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        null);

    List<JsonNode> lines = lines(log);
    assertThat(lines).hasSize(3);
    assertThat(lines)
        .extracting(l -> l.get("sequence").asLong(), l -> l.get("status").asInt())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1L, 429),
            org.assertj.core.groups.Tuple.tuple(2L, 200),
            org.assertj.core.groups.Tuple.tuple(3L, 200));
    JsonNode first = lines.get(0);
    assertThat(first.get("path").asText()).isEqualTo("/v1/chat/completions");
    assertThat(first.get("api").asText()).isEqualTo("openai");
    assertThat(first.get("model").asText()).isEqualTo("gpt-4o");
    assertThat(first.get("idempotencyKey").asText()).isEqualTo("key-1");
    assertThat(first.get("fault").asText()).isEqualTo("429");
    assertThat(first.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(lines.get(1).get("fault").isNull()).isTrue();
    assertThat(lines.get(2).get("api").asText()).isEqualTo("anthropic");
    assertThat(lines.get(2).get("idempotencyKey").isNull()).isTrue();
    assertThat(Files.readString(log)).doesNotContain(CANARY).doesNotContain("Bearer");

    HttpResponse<String> reset =
        send(
            HttpRequest.newBuilder(URI.create(base + "/_steadfast/reset"))
                .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(reset.statusCode()).isEqualTo(204);
    assertThat(Files.readString(log)).as("reset empties the file").isEmpty();

    // The fault schedule counts from call 1 again, and so does the sequence.
    post(base + "/v1/chat/completions", openAi("gpt-4o"), "key-3");
    assertThat(lines(log))
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.get("sequence").asLong()).isEqualTo(1);
              assertThat(l.get("fault").asText()).isEqualTo("429");
              assertThat(l.get("idempotencyKey").asText()).isEqualTo("key-3");
            });

    HttpResponse<String> get =
        send(HttpRequest.newBuilder(URI.create(base + "/_steadfast/reset")).GET());
    assertThat(get.statusCode()).as("reset only by POST").isEqualTo(405);
    assertThat(lines(log)).hasSize(1);
  }

  @Test
  void anUnwritableRequestLogIsAOneLineErrorWithExitTwo(@TempDir Path dir) throws Exception {
    CliProcess.Result r =
        CliProcess.run(
            dir,
            "simulate",
            "--port",
            "0",
            "--request-log",
            dir.resolve("no/such/dir/log.jsonl").toString());

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("request log").contains("no/such/dir").doesNotContain("\tat ");
  }

  private String start(Path dir, String... args) throws Exception {
    process = CliProcess.builder(dir, args).redirectErrorStream(true).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        return m.group(1);
      }
    }
    throw new AssertionError("simulate ended without saying where it listens");
  }

  private static String openAi(String model) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  private void post(String url, String body, String key) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + CANARY)
            .header("x-api-key", CANARY)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Idempotency-Key", key);
    }
    send(b);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(
        request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static List<JsonNode> lines(Path log) throws Exception {
    // Each line is flushed before the answer is sent, but wait a little for a slow file system.
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log));
    List<JsonNode> parsed = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      parsed.add(Json.MAPPER.readTree(line));
    }
    return parsed;
  }
}
