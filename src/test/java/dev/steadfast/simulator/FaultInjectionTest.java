package dev.steadfast.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FaultInjectionTest {
  private LlmSimulator sim;

  @AfterEach
  void stop() {
    sim.stop();
  }

  private SimClient start(SimulatorConfig.Builder builder) {
    sim = builder.build().start();
    return new SimClient(sim);
  }

  private SimClient startWithFirstCall(String kind) {
    return start(LlmSimulator.builder().schedule(kind, 1, 1, null));
  }

  @ParameterizedTest
  @CsvSource({
    "429, 429, requests, rate_limit_exceeded",
    "quota, 429, insufficient_quota, insufficient_quota",
    "500, 500, server_error, server_error",
    "503, 503, server_error, service_unavailable",
    "529, 529, server_error, overloaded",
    "401, 401, invalid_request_error, invalid_api_key",
    "context, 400, invalid_request_error, context_length_exceeded"
  })
  void openAiErrorsHaveTheOpenAiShape(String kind, int status, String type, String code)
      throws Exception {
    SimClient client = startWithFirstCall(kind);

    HttpResponse<String> response =
        client.post("/v1/chat/completions", Requests.openAi("gpt-4o", "hi"));
    HttpResponse<String> next =
        client.post("/v1/chat/completions", Requests.openAi("gpt-4o", "hi"));

    assertThat(response.statusCode()).isEqualTo(status);
    JsonNode error = SimClient.json(response).get("error");
    assertThat(error.get("type").asText()).isEqualTo(type);
    assertThat(error.get("code").asText()).isEqualTo(code);
    assertThat(error.get("message").asText()).isNotBlank();
    assertThat(next.statusCode()).isEqualTo(200);
    assertThat(sim.requests()).extracting(RecordedRequest::fault).containsExactly(kind, null);
  }

  @ParameterizedTest
  @CsvSource({
    "429, 429, rate_limit_error",
    "500, 500, api_error",
    "503, 503, api_error",
    "529, 529, overloaded_error",
    "401, 401, authentication_error",
    "context, 400, invalid_request_error"
  })
  void anthropicErrorsHaveTheAnthropicShape(String kind, int status, String type) throws Exception {
    SimClient client = startWithFirstCall(kind);

    HttpResponse<String> response =
        client.post("/v1/messages", Requests.anthropic("claude-3-5-haiku", "hi"));

    assertThat(response.statusCode()).isEqualTo(status);
    JsonNode body = SimClient.json(response);
    assertThat(body.get("type").asText()).isEqualTo("error");
    assertThat(body.at("/error/type").asText()).isEqualTo(type);
    assertThat(body.at("/error/message").asText()).isNotBlank();
  }

  @Test
  void rateLimitCarriesRetryAfter() throws Exception {
    SimClient client =
        start(LlmSimulator.builder().schedule("429", 1, 2, null).retryAfterSeconds(3));

    HttpResponse<String> openAi = client.post("/v1/chat/completions", Requests.openAi("m", "hi"));
    HttpResponse<String> anthropic = client.post("/v1/messages", Requests.anthropic("m", "hi"));

    assertThat(openAi.headers().firstValue("Retry-After")).hasValue("3");
    assertThat(anthropic.headers().firstValue("Retry-After")).hasValue("3");
  }

  @Test
  void quotaSaysSoInBothShapes() throws Exception {
    SimClient client = start(LlmSimulator.builder().schedule("quota", 1, 2, null));

    HttpResponse<String> openAi = client.post("/v1/chat/completions", Requests.openAi("m", "hi"));
    HttpResponse<String> anthropic = client.post("/v1/messages", Requests.anthropic("m", "hi"));

    assertThat(SimClient.json(openAi).at("/error/message").asText())
        .isEqualTo("You exceeded your current quota, please check your plan and billing details.");
    assertThat(openAi.headers().firstValue("Retry-After")).isEmpty();
    assertThat(anthropic.statusCode()).isEqualTo(429);
    assertThat(anthropic.body()).contains("insufficient_quota");
    assertThat(SimClient.json(anthropic).at("/error/message").asText())
        .contains("credit balance is too low")
        .contains("Billing");
  }

  @Test
  void contextErrorsQuoteTheWindow() throws Exception {
    SimClient client =
        start(LlmSimulator.builder().schedule("context", 1, 2, null).contextWindow("m", 4096));

    HttpResponse<String> openAi = client.post("/v1/chat/completions", Requests.openAi("m", "hi"));
    HttpResponse<String> anthropic = client.post("/v1/messages", Requests.anthropic("m", "hi"));

    assertThat(SimClient.json(openAi).at("/error/message").asText())
        .startsWith("This model's maximum context length is 4096 tokens.");
    assertThat(SimClient.json(anthropic).at("/error/message").asText())
        .matches("prompt is too long: \\d+ tokens > 4096 maximum");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/chat/completions", "/v1/messages"})
  void networkDropsTheConnectionWithoutAnswer(String path) throws Exception {
    SimClient client = startWithFirstCall("network");
    ObjectNode request =
        path.contains("messages") ? Requests.anthropic("m", "hi") : Requests.openAi("m", "hi");

    assertThatThrownBy(() -> client.post(path, request)).isInstanceOf(IOException.class);
    assertThat(client.post(path, request).statusCode()).isEqualTo(200);
    assertThat(sim.requests()).extracting(RecordedRequest::status).containsExactly(-1, 200);
  }

  @Test
  void timeoutHoldsOneRequestWhileOthersAreServed() throws Exception {
    SimClient client =
        start(
            LlmSimulator.builder()
                .schedule("timeout", 1, 1, "slow")
                .hangFor(Duration.ofSeconds(20)));

    CompletableFuture<HttpResponse<String>> held =
        client.postAsync(
            "/v1/chat/completions", Requests.openAi("slow", "hi"), Duration.ofSeconds(1));
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.requests().size() == 1);
    HttpResponse<String> served =
        client.post("/v1/chat/completions", Requests.openAi("fast", "hi"));

    assertThat(held).isNotDone();
    assertThat(served.statusCode()).isEqualTo(200);
    assertThatThrownBy(held::get)
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(HttpTimeoutException.class);
    RecordedRequest slow =
        sim.requests().stream().filter(r -> r.model().equals("slow")).findFirst().orElseThrow();
    assertThat(slow.fault()).isEqualTo("timeout");
    assertThat(slow.status()).isEqualTo(-1);
  }

  @Test
  void invalidOutputIsMalformedJsonWhenJsonWasAskedForElseEmpty() throws Exception {
    SimClient client = start(LlmSimulator.builder().schedule("invalid-output", 1, 3, null));
    ObjectNode json = Requests.openAi("m", "hi");
    json.putObject("response_format").put("type", "json_object");

    JsonNode openAiJson = SimClient.json(client.post("/v1/chat/completions", json));
    JsonNode openAiText =
        SimClient.json(client.post("/v1/chat/completions", Requests.openAi("m", "hi")));
    JsonNode anthropicText =
        SimClient.json(client.post("/v1/messages", Requests.anthropic("m", "hi")));

    String malformed = openAiJson.at("/choices/0/message/content").asText();
    assertThatThrownBy(() -> SimClient.json(malformed)).isInstanceOf(JsonProcessingException.class);
    assertThat(openAiJson.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(openAiText.at("/choices/0/message/content").asText()).isEmpty();
    assertThat(anthropicText.at("/content/0/text").asText()).isEmpty();
  }

  @Test
  void lengthCutsTheReplyMidway() throws Exception {
    SimClient client = start(LlmSimulator.builder().schedule("length", 1, 2, null));
    ObjectNode json = Requests.openAi("m", "Respond with JSON.", "a question");

    JsonNode openAi = SimClient.json(client.post("/v1/chat/completions", json));
    JsonNode anthropic =
        SimClient.json(client.post("/v1/messages", Requests.anthropic("m", "a question")));

    assertThat(openAi.at("/choices/0/finish_reason").asText()).isEqualTo("length");
    String cut = openAi.at("/choices/0/message/content").asText();
    assertThat(cut).startsWith("{");
    assertThatThrownBy(() -> SimClient.json(cut)).isInstanceOf(JsonProcessingException.class);
    assertThat(anthropic.get("stop_reason").asText()).isEqualTo("max_tokens");
    assertThat("Simulated reply to: a question")
        .startsWith(anthropic.at("/content/0/text").asText())
        .isNotEqualTo(anthropic.at("/content/0/text").asText());
  }

  @Test
  void sameSeedSameFaultsOverHttp() throws Exception {
    SimClient client = start(LlmSimulator.builder().faults(FaultPlan.parse("500:0.5")).seed(3));
    for (int i = 0; i < 10; i++) {
      client.post("/v1/chat/completions", Requests.openAi("m", "hi " + i));
    }
    var first = sim.requests().stream().map(RecordedRequest::status).toList();

    sim.reset();
    for (int i = 0; i < 10; i++) {
      client.post("/v1/chat/completions", Requests.openAi("m", "hi " + i));
    }

    assertThat(sim.requests().stream().map(RecordedRequest::status).toList()).isEqualTo(first);
    assertThat(first).contains(200, 500);
  }

  @Test
  void latencyDelaysEveryReply() throws Exception {
    SimClient client = start(LlmSimulator.builder().latency(Duration.ofMillis(300)));

    long started = System.nanoTime();
    client.post("/v1/chat/completions", Requests.openAi("m", "hi"));

    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }
}
