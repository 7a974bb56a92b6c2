package dev.steadfast.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The checks a real provider makes: context window and API key. */
class RealChecksTest {
  private LlmSimulator sim;

  @AfterEach
  void stop() {
    sim.stop();
  }

  @Test
  void requestsOverTheContextWindowGet400UntilTruncated() throws Exception {
    sim = LlmSimulator.builder().contextWindow("small", 10).build().start();
    SimClient client = new SimClient(sim);

    // 41 characters -> 11 tokens, one over the window; 40 characters -> exactly 10.
    HttpResponse<String> tooLong =
        client.post("/v1/chat/completions", Requests.openAi("small", "x".repeat(41)));
    HttpResponse<String> fits =
        client.post("/v1/chat/completions", Requests.openAi("small", "x".repeat(40)));
    HttpResponse<String> otherModel =
        client.post("/v1/chat/completions", Requests.openAi("big", "x".repeat(4000)));
    HttpResponse<String> anthropic =
        client.post("/v1/messages", Requests.anthropic("small", "x".repeat(41)));

    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(SimClient.json(tooLong).at("/error/code").asText())
        .isEqualTo("context_length_exceeded");
    assertThat(SimClient.json(tooLong).at("/error/message").asText())
        .contains("maximum context length is 10 tokens")
        .contains("resulted in 11 tokens");
    assertThat(fits.statusCode()).isEqualTo(200);
    assertThat(otherModel.statusCode()).isEqualTo(200);
    assertThat(SimClient.json(anthropic).at("/error/message").asText())
        .isEqualTo("prompt is too long: 11 tokens > 10 maximum");
    assertThat(sim.requests())
        .extracting(RecordedRequest::fault)
        .containsExactly("context", null, null, "context");
  }

  @Test
  void wrongOrMissingApiKeysGet401AndKeysAreNeverRecorded() throws Exception {
    sim = LlmSimulator.builder().requireApiKey("sk-right").build().start();
    SimClient client = new SimClient(sim);

    HttpResponse<String> none = client.post("/v1/chat/completions", Requests.openAi("m", "hi"));
    HttpResponse<String> wrong =
        client.post(
            "/v1/chat/completions", Requests.openAi("m", "hi"), "Authorization", "Bearer sk-wrong");
    HttpResponse<String> right =
        client.post(
            "/v1/chat/completions", Requests.openAi("m", "hi"), "Authorization", "Bearer sk-right");
    HttpResponse<String> anthropicWrong =
        client.post("/v1/messages", Requests.anthropic("m", "hi"), "x-api-key", "sk-wrong");
    HttpResponse<String> anthropicRight =
        client.post("/v1/messages", Requests.anthropic("m", "hi"), "x-api-key", "sk-right");

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(SimClient.json(wrong).at("/error/code").asText()).isEqualTo("invalid_api_key");
    assertThat(right.statusCode()).isEqualTo(200);
    assertThat(SimClient.json(anthropicWrong).at("/error/type").asText())
        .isEqualTo("authentication_error");
    assertThat(anthropicRight.statusCode()).isEqualTo(200);
    assertThat(sim.requests().toString()).doesNotContain("sk-right", "sk-wrong");
    assertThat(wrong.body()).doesNotContain("sk-wrong");
    assertThat(sim.describe()).doesNotContain("sk-right");
    assertThat(sim.config().toString()).doesNotContain("sk-right");
  }
}
