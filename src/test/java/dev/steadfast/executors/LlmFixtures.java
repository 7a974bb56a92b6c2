package dev.steadfast.executors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.SecretKeyRef;
import dev.steadfast.engine.exec.Call.LlmCall;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.llm.ChatMessage;
import dev.steadfast.engine.llm.OutputValidator;
import dev.steadfast.executors.classify.Classifier;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/** Calls, replies and a wired executor shared by the llm executor tests. */
final class LlmFixtures {
  static final String CANARY = "canary-s3cr3t-value";
  static final JsonNode SCHEMA =
      Json.tree(
          Map.of(
              "type", "object",
              "required", List.of("score"),
              "properties", Map.of("score", Map.of("type", "integer"))));
  static final List<ChatMessage> MESSAGES =
      List.of(
          new ChatMessage("system", "You grade essays."),
          new ChatMessage("user", "Grade this."),
          new ChatMessage("user", "The essay."),
          new ChatMessage("assistant", "Sure."),
          new ChatMessage("system", "Be strict."),
          new ChatMessage("user", "Go."));

  private LlmFixtures() {}

  static LlmExecutor executor() {
    return new LlmExecutor(
        HttpTransport.open(),
        new MapSecrets().with("llm", "key", CANARY),
        new Classifier(Clock.systemUTC()),
        new OutputValidator());
  }

  static LlmCall call(
      String api, String endpoint, boolean json, JsonNode schema, List<ChatMessage> messages) {
    String model = "anthropic".equals(api) ? "claude-test" : "gpt-test";
    Integer maxTokens = "anthropic".equals(api) ? null : 300;
    Double temperature = "anthropic".equals(api) ? null : 0.2;
    return new LlmCall(
        api,
        endpoint,
        model,
        new SecretKeyRef("llm", "key"),
        messages,
        maxTokens,
        temperature,
        json,
        schema);
  }

  static String openAi(String content, String finishReason) {
    return Json.write(
        Map.of(
            "id",
            "chatcmpl-1",
            "choices",
            List.of(
                Map.of(
                    "index",
                    0,
                    "message",
                    Map.of("role", "assistant", "content", content),
                    "finish_reason",
                    finishReason))));
  }

  static String anthropic(String text, String stopReason) {
    return Json.write(
        Map.of(
            "id", "msg_1",
            "type", "message",
            "role", "assistant",
            "content", List.of(Map.of("type", "text", "text", text)),
            "stop_reason", stopReason));
  }
}
