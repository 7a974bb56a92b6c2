package dev.steadfast.executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steadfast.engine.exec.Call.LlmCall;
import dev.steadfast.engine.llm.ChatMessage;
import dev.steadfast.executors.LlmExecutor.Reply;
import java.util.ArrayList;
import java.util.List;

/** Anthropic's Messages API ({@code POST {endpoint}/messages}). */
final class AnthropicWire {
  static final String VERSION = "2023-06-01";
  static final int DEFAULT_MAX_TOKENS = LlmCall.ANTHROPIC_DEFAULT_MAX_TOKENS;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private AnthropicWire() {}

  static ObjectNode request(LlmCall call) {
    ObjectNode body = F.objectNode();
    body.put("model", call.model());
    body.put("max_tokens", call.maxTokens() == null ? DEFAULT_MAX_TOKENS : call.maxTokens());
    List<ChatMessage> messages = call.messages() == null ? List.of() : call.messages();
    List<String> system = new ArrayList<>();
    for (ChatMessage m : messages) {
      if (ChatMessage.SYSTEM.equals(m.role()) && m.content() != null && !m.content().isBlank()) {
        system.add(m.content());
      }
    }
    String instruction = LlmExecutor.jsonInstruction(call);
    if (instruction != null) {
      system.add(instruction);
    }
    if (!system.isEmpty()) {
      body.put("system", String.join("\n\n", system));
    }
    body.set("messages", alternating(messages));
    if (call.temperature() != null) {
      body.put("temperature", call.temperature());
    }
    return body;
  }

  // Anthropic rejects two user (or assistant) messages in a row, which templated message lists
  // produce easily; consecutive ones are merged instead.
  private static ArrayNode alternating(List<ChatMessage> messages) {
    ArrayNode out = F.arrayNode();
    String lastRole = null;
    StringBuilder text = null;
    for (ChatMessage m : messages) {
      if (ChatMessage.SYSTEM.equals(m.role())) {
        continue;
      }
      String role = ChatMessage.ASSISTANT.equals(m.role()) ? "assistant" : "user";
      String content = m.content() == null ? "" : m.content();
      if (role.equals(lastRole)) {
        text.append("\n\n").append(content);
      } else {
        flush(out, lastRole, text);
        lastRole = role;
        text = new StringBuilder(content);
      }
    }
    flush(out, lastRole, text);
    return out;
  }

  private static void flush(ArrayNode out, String role, StringBuilder text) {
    if (role != null) {
      out.addObject().put("role", role).put("content", text.toString());
    }
  }

  /**
   * @throws IllegalArgumentException when the body is not a Messages API reply
   */
  static Reply parse(JsonNode body) {
    JsonNode content = body == null ? F.missingNode() : body.path("content");
    if (!content.isArray()) {
      throw new IllegalArgumentException("reply has no content array");
    }
    StringBuilder text = new StringBuilder();
    ArrayNode toolUses = F.arrayNode();
    for (JsonNode block : content) {
      String type = block.path("type").asText("");
      if (type.equals("text")) {
        text.append(block.path("text").asText(""));
      } else if (type.equals("tool_use")) {
        toolUses.add(block);
      }
    }
    boolean cutOff = "max_tokens".equals(body.path("stop_reason").asText(""));
    return new Reply(
        text.toString(),
        cutOff,
        toolUses.isEmpty() ? null : toolUses,
        LlmExecutor.usage(body, "input_tokens", "output_tokens"));
  }
}
