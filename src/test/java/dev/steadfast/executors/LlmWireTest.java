package dev.steadfast.executors;

import static dev.steadfast.executors.LlmFixtures.CANARY;
import static dev.steadfast.executors.LlmFixtures.MESSAGES;
import static dev.steadfast.executors.LlmFixtures.SCHEMA;
import static dev.steadfast.executors.LlmFixtures.anthropic;
import static dev.steadfast.executors.LlmFixtures.call;
import static dev.steadfast.executors.LlmFixtures.openAi;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.SecretKeyRef;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call.LlmCall;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.llm.ChatMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What goes over the wire in both formats, asserted on what the stub received. */
class LlmWireTest {
  private final StubServer stub = StubServer.start();
  private final LlmExecutor executor = LlmFixtures.executor();

  @AfterEach
  void stop() {
    stub.close();
  }

  @Test
  void openAiRequestShape() {
    stub.respond(200, openAi("{\"score\": 7}", "stop"));

    Outcome outcome = run(call("openai", stub.url("/v1/"), true, SCHEMA, MESSAGES));

    assertThat(outcome).isEqualTo(new Outcome.Success(Json.tree(Map.of("score", 7))));
    StubServer.Received got = stub.last();
    assertThat(got.method()).isEqualTo("POST");
    assertThat(got.path()).isEqualTo("/v1/chat/completions");
    assertThat(got.header("Authorization")).isEqualTo("Bearer " + CANARY);
    assertThat(got.header("Idempotency-Key")).isEqualTo("uid-1/grade/0/2");
    assertThat(got.header("Content-Type")).isEqualTo("application/json");
    JsonNode body = got.json();
    assertThat(body.path("model").asText()).isEqualTo("gpt-test");
    assertThat(body.path("max_tokens").asInt()).isEqualTo(300);
    assertThat(body.path("temperature").asDouble()).isEqualTo(0.2);
    assertThat(body.path("messages")).hasSize(6);
    assertThat(body.path("messages").path(0).path("content").asText())
        .startsWith("You grade essays.\n\nRespond with JSON only, matching this JSON Schema:\n")
        .contains("\"required\":[\"score\"]");
    assertThat(body.path("messages").path(1))
        .isEqualTo(Json.tree(Map.of("role", "user", "content", "Grade this.")));
    JsonNode format = body.path("response_format");
    assertThat(format.path("type").asText()).isEqualTo("json_schema");
    assertThat(format.path("json_schema").path("name").asText()).isEqualTo("output");
    assertThat(format.path("json_schema").path("schema")).isEqualTo(SCHEMA);
    assertThat(format.path("json_schema").path("strict").asBoolean(true)).isFalse();
  }

  @Test
  void openAiJsonWithoutSchemaAsksForAJsonObject() {
    JsonNode body =
        LlmExecutor.openAiRequest(
            new LlmCall(
                null,
                "http://x",
                "m",
                null,
                List.of(new ChatMessage("user", "hi")),
                null,
                null,
                true,
                null));

    assertThat(body.path("response_format")).isEqualTo(Json.tree(Map.of("type", "json_object")));
    assertThat(body.path("messages").path(0))
        .isEqualTo(Json.tree(Map.of("role", "system", "content", "Respond with JSON only.")));
    assertThat(body.has("max_tokens")).isFalse();
  }

  @Test
  void anthropicRequestShape() {
    stub.respond(200, anthropic("{\"score\": 3}", "end_turn"));
    LlmCall call =
        new LlmCall(
            "anthropic",
            stub.url("/v1//"),
            "claude-test",
            new SecretKeyRef("llm", "key"),
            MESSAGES,
            null,
            null,
            false,
            SCHEMA);

    Outcome outcome = run(call);

    assertThat(outcome).isEqualTo(new Outcome.Success(Json.tree(Map.of("score", 3))));
    StubServer.Received got = stub.last();
    assertThat(got.path()).isEqualTo("/v1/messages");
    assertThat(got.header("x-api-key")).isEqualTo(CANARY);
    assertThat(got.header("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(got.header("Idempotency-Key")).isEqualTo("uid-1/grade/0/2");
    assertThat(got.header("Authorization")).isNull();
    JsonNode body = got.json();
    assertThat(body.path("model").asText()).isEqualTo("claude-test");
    assertThat(body.path("max_tokens").asInt()).isEqualTo(1024);
    assertThat(body.has("temperature")).isFalse();
    assertThat(body.path("system").asText())
        .startsWith(
            "You grade essays.\n\nBe strict.\n\nRespond with JSON only, matching this JSON Schema:\n");
    assertThat(body.path("messages"))
        .isEqualTo(
            Json.tree(
                List.of(
                    Map.of("role", "user", "content", "Grade this.\n\nThe essay."),
                    Map.of("role", "assistant", "content", "Sure."),
                    Map.of("role", "user", "content", "Go."))));
    assertThat(body.has("response_format")).isFalse();
  }

  @Test
  void textRepliesOfBothFormats() {
    stub.respond(200, openAi("Paris.", "stop"));
    assertThat(run(call("openai", stub.url(""), false, null, MESSAGES)))
        .isEqualTo(new Outcome.Success(Json.tree("Paris.")));
    assertThat(stub.last().json().path("messages").path(0).path("content").asText())
        .isEqualTo("You grade essays.");

    stub.respond(200, anthropic("Rome.", "end_turn"));
    assertThat(run(call("anthropic", stub.url(""), false, null, MESSAGES)))
        .isEqualTo(new Outcome.Success(Json.tree("Rome.")));
  }

  @Test
  void repliesParseWithToolCalls() {
    JsonNode openAi =
        Json.tree(
            Map.of(
                "choices",
                List.of(
                    Map.of(
                        "finish_reason",
                        "tool_calls",
                        "message",
                        Map.of("role", "assistant", "tool_calls", List.of(Map.of("id", "c1")))))));
    JsonNode anthropic =
        Json.tree(
            Map.of(
                "stop_reason",
                "tool_use",
                "content",
                List.of(
                    Map.of("type", "text", "text", "Let me look. "),
                    Map.of("type", "tool_use", "id", "t1", "name", "search", "input", Map.of()),
                    Map.of("type", "text", "text", "Done."))));

    LlmExecutor.Reply a = LlmExecutor.parseOpenAi(openAi);
    LlmExecutor.Reply b = LlmExecutor.parseAnthropic(anthropic);

    assertThat(a.content()).isNull();
    assertThat(a.cutOff()).isFalse();
    assertThat(a.toolCalls()).hasSize(1);
    assertThat(b.content()).isEqualTo("Let me look. Done.");
    assertThat(b.toolCalls().path(0).path("id").asText()).isEqualTo("t1");
  }

  private Outcome run(LlmCall call) {
    return executor.execute(
        new AttemptRequest("ns", "uid-1/grade/0/2", Duration.ofSeconds(5), List.of(), call));
  }
}
