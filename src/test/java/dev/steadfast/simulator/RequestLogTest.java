package dev.steadfast.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RequestLogTest {
  private final LlmSimulator sim =
      LlmSimulator.builder().schedule("429", 1, 1, "gpt-4o").build().start();
  private final SimClient client = new SimClient(sim);

  @AfterEach
  void stop() {
    sim.stop();
  }

  @Test
  void recordsEveryRequestWithItsKeyBodyFaultAndStatus() throws Exception {
    ObjectNode request = Requests.openAi("gpt-4o", "hi");

    client.post("/v1/chat/completions", request, "Idempotency-Key", "uid-1/step/0/1");
    client.post("/v1/chat/completions", request, "Idempotency-Key", "uid-1/step/0/2");
    client.post("/v1/messages", Requests.anthropic("claude", "hi"));

    assertThat(sim.requests())
        .extracting(
            RecordedRequest::sequence,
            RecordedRequest::path,
            RecordedRequest::api,
            RecordedRequest::model,
            RecordedRequest::idempotencyKey,
            RecordedRequest::fault,
            RecordedRequest::status)
        .containsExactly(
            tuple(1L, "/v1/chat/completions", "openai", "gpt-4o", "uid-1/step/0/1", "429", 429),
            tuple(2L, "/v1/chat/completions", "openai", "gpt-4o", "uid-1/step/0/2", null, 200),
            tuple(3L, "/v1/messages", "anthropic", "claude", null, null, 200));
    assertThat(sim.requests().get(0).body()).isEqualTo(request);
    assertThat(sim.requestsWithKey("uid-1/step/0/2"))
        .singleElement()
        .extracting(RecordedRequest::status)
        .isEqualTo(200);
  }

  @Test
  void recordsTheUsageEachAnswerReportedAndNoneForAnError() throws Exception {
    var limited = client.post("/v1/chat/completions", Requests.openAi("gpt-4o", "hi"));
    var openAi = client.post("/v1/chat/completions", Requests.openAi("gpt-4o", "hello there"));
    var anthropic = client.post("/v1/messages", Requests.anthropic("claude", "hello there"));

    assertThat(limited.statusCode()).isEqualTo(429);
    var usage = com.fasterxml.jackson.databind.json.JsonMapper.builder().build();
    var o = usage.readTree(openAi.body()).path("usage");
    var a = usage.readTree(anthropic.body()).path("usage");
    assertThat(sim.requests())
        .extracting(RecordedRequest::inputTokens, RecordedRequest::outputTokens)
        .containsExactly(
            tuple(null, null),
            tuple(o.path("prompt_tokens").asLong(), o.path("completion_tokens").asLong()),
            tuple(a.path("input_tokens").asLong(), a.path("output_tokens").asLong()));
    assertThat(sim.requests().get(1).inputTokens()).isPositive();
  }

  @Test
  void recordedBodiesCannotBeChangedFromOutside() throws Exception {
    client.post("/v1/chat/completions", Requests.openAi("m", "hi"));

    ((ObjectNode) sim.requests().get(0).body()).put("model", "changed");

    assertThat(sim.requests().get(0).body().get("model").asText()).isEqualTo("m");
  }

  @Test
  void resetClearsTheLogAndTheCounters() throws Exception {
    client.post("/v1/chat/completions", Requests.openAi("gpt-4o", "hi"));

    sim.reset();
    client.post("/v1/chat/completions", Requests.openAi("gpt-4o", "hi"));

    assertThat(sim.requests())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.sequence()).isEqualTo(1);
              assertThat(r.status()).isEqualTo(429);
            });
  }

  @Test
  void theRequestLogFileHoldsOneLinePerRequestWithoutKeysOrBodiesAndResetEmptiesIt(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = dir.resolve("log.jsonl");
    String canary = "sk-canary-77aa";
    try (LlmSimulator keyed =
        LlmSimulator.builder().requireApiKey(canary).requestLog(file).build().start()) {
      SimClient c = new SimClient(keyed);
      c.post(
          "/v1/chat/completions",
          Requests.openAi("m", "secret prompt " + canary),
          "Authorization",
          "Bearer wrong-" + canary,
          "Idempotency-Key",
          "k1");

      var lines = java.nio.file.Files.readAllLines(file);
      assertThat(lines).hasSize(1);
      var line = SimClient.json(lines.get(0));
      assertThat(line.get("status").asInt()).isEqualTo(401);
      assertThat(line.get("fault").asText()).isEqualTo("401");
      assertThat(line.get("idempotencyKey").asText()).isEqualTo("k1");
      assertThat(lines.get(0)).doesNotContain(canary).doesNotContain("secret prompt");

      assertThat(c.post(LlmSimulator.RESET_PATH, "").statusCode()).isEqualTo(204);
      assertThat(java.nio.file.Files.readString(file)).isEmpty();
      assertThat(keyed.requests()).isEmpty();
    }
  }

  @Test
  void unknownPathsAreLoggedAs404() throws Exception {
    assertThat(client.get("/v2/nothing").statusCode()).isEqualTo(404);

    assertThat(sim.requests()).singleElement().extracting(RecordedRequest::status).isEqualTo(404);
  }

  @Test
  void describeNamesEndpointsAndFaults() {
    assertThat(sim.describe())
        .contains(sim.baseUrl() + "/v1")
        .contains("/v1/chat/completions")
        .contains("/v1/messages")
        .contains("429@1/gpt-4o");
  }
}
