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

/**
 * The OpenAI-compatible chat completions format ({@code POST {endpoint}/chat/completions}), which
 * vLLM, Ollama, LiteLLM and most gateways speak.
 */
final class OpenAiWire {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private OpenAiWire() {}

  static ObjectNode request(LlmCall call) {
    ObjectNode body = F.objectNode();
    body.put("model", call.model());
    ArrayNode messages = body.putArray("messages");
    for (ChatMessage m : withInstruction(call)) {
      messages.add(message(m));
    }
    if (call.maxTokens() != null) {
      body.put("max_tokens", call.maxTokens());
    }
    if (call.temperature() != null) {
      body.put("temperature", call.temperature());
    }
    if (LlmExecutor.hasSchema(call)) {
      ObjectNode format = body.putObject("response_format").put("type", "json_schema");
      ObjectNode jsonSchema = format.putObject("json_schema").put("name", "output");
      jsonSchema.set("schema", call.schema());
      // strict: true would reject the many schemas that do not list every property as required;
      // the OutputValidator checks the reply against the schema either way.
      jsonSchema.put("strict", false);
    } else if (call.json()) {
      body.putObject("response_format").put("type", "json_object");
    }
    return body;
  }

  // The JSON instruction joins the first system message, or becomes one.
  private static List<ChatMessage> withInstruction(LlmCall call) {
    List<ChatMessage> messages =
        new ArrayList<>(call.messages() == null ? List.of() : call.messages());
    String instruction = LlmExecutor.jsonInstruction(call);
    if (instruction == null) {
      return messages;
    }
    for (int i = 0; i < messages.size(); i++) {
      ChatMessage m = messages.get(i);
      if (ChatMessage.SYSTEM.equals(m.role())) {
        String text = m.content() == null || m.content().isBlank() ? "" : m.content() + "\n\n";
        messages.set(i, m.withContent(text + instruction));
        return messages;
      }
    }
    messages.add(0, new ChatMessage(ChatMessage.SYSTEM, instruction));
    return messages;
  }

  private static ObjectNode message(ChatMessage m) {
    ObjectNode out = F.objectNode().put("role", m.role());
    if (m.content() != null) {
      out.put("content", m.content());
    } else if (m.hasToolCalls()) {
      out.putNull("content");
    } else {
      out.put("content", "");
    }
    // Kept verbatim, so a transcript can be replayed once the agent loop uses this format.
    if (m.hasToolCalls()) {
      out.set("tool_calls", m.toolCalls());
    }
    if (m.toolCallId() != null) {
      out.put("tool_call_id", m.toolCallId());
    }
    if (ChatMessage.TOOL.equals(m.role()) && m.name() != null) {
      out.put("name", m.name());
    }
    return out;
  }

  /**
   * @throws IllegalArgumentException when the body is not a chat completion
   */
  static Reply parse(JsonNode body) {
    JsonNode choice = body == null ? F.missingNode() : body.path("choices").path(0);
    JsonNode message = choice.path("message");
    if (!message.isObject()) {
      throw new IllegalArgumentException("reply has no choices[0].message");
    }
    JsonNode content = message.path("content");
    String text;
    if (content.isTextual()) {
      text = content.textValue();
    } else if (content.isArray()) {
      // Some gateways answer with content parts, as in multimodal requests.
      StringBuilder sb = new StringBuilder();
      content.forEach(part -> sb.append(part.path("text").asText("")));
      text = sb.toString();
    } else {
      text = null;
    }
    boolean cutOff = "length".equals(choice.path("finish_reason").asText(""));
    JsonNode toolCalls = message.path("tool_calls");
    return new Reply(
        text,
        cutOff,
        toolCalls.isArray() && !toolCalls.isEmpty() ? toolCalls : null,
        LlmExecutor.usage(body, "prompt_tokens", "completion_tokens"));
  }
}
