package dev.steadfast.executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steadfast.api.Tool;
import dev.steadfast.engine.format.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * Tool calling in both wire formats. The checkpointed transcript is provider-neutral ({role:
 * assistant, content, toolCalls: [{id, name, arguments}]} and {role: tool, toolCallId, name,
 * content}); it is turned into OpenAI tool_calls / tool messages or Anthropic tool_use /
 * tool_result blocks when a request is built.
 */
public final class AgentWire {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  record ToolCall(String id, String name, JsonNode arguments) {}

  private AgentWire() {}

  static void addTools(ObjectNode body, List<Tool> tools, boolean anthropic) {
    if (tools == null || tools.isEmpty()) {
      return;
    }
    ArrayNode out = body.putArray("tools");
    for (Tool t : tools) {
      JsonNode params = t.parameters == null ? F.objectNode().put("type", "object") : t.parameters;
      if (anthropic) {
        out.addObject()
            .put("name", t.name)
            .put("description", t.description == null ? "" : t.description)
            .set("input_schema", params);
      } else {
        ObjectNode fn = out.addObject().put("type", "function").putObject("function");
        fn.put("name", t.name)
            .put("description", t.description == null ? "" : t.description)
            .set("parameters", params);
      }
    }
  }

  static void addTranscript(ObjectNode body, JsonNode transcript, boolean anthropic) {
    if (transcript == null || !transcript.isArray() || transcript.isEmpty()) {
      return;
    }
    ArrayNode messages = (ArrayNode) body.get("messages");
    ArrayNode pendingResults = null;
    for (JsonNode m : transcript) {
      String role = m.path("role").asText();
      if (role.equals("assistant")) {
        pendingResults = null;
        messages.add(anthropic ? anthropicAssistant(m) : openAiAssistant(m));
      } else if (role.equals("tool")) {
        if (anthropic) {
          if (pendingResults == null) {
            pendingResults = messages.addObject().put("role", "user").putArray("content");
          }
          pendingResults
              .addObject()
              .put("type", "tool_result")
              .put("tool_use_id", m.path("toolCallId").asText())
              .put("content", m.path("content").asText());
        } else {
          messages
              .addObject()
              .put("role", "tool")
              .put("tool_call_id", m.path("toolCallId").asText())
              .put("content", m.path("content").asText());
        }
      } else {
        pendingResults = null;
        messages.addObject().put("role", role).put("content", m.path("content").asText());
      }
    }
  }

  private static ObjectNode openAiAssistant(JsonNode m) {
    ObjectNode out = F.objectNode().put("role", "assistant");
    String content = m.path("content").asText("");
    if (content.isEmpty()) {
      out.putNull("content");
    } else {
      out.put("content", content);
    }
    ArrayNode calls = out.putArray("tool_calls");
    for (JsonNode tc : m.path("toolCalls")) {
      ObjectNode c = calls.addObject().put("id", tc.path("id").asText()).put("type", "function");
      c.putObject("function")
          .put("name", tc.path("name").asText())
          .put("arguments", Json.write(tc.path("arguments")));
    }
    return out;
  }

  private static ObjectNode anthropicAssistant(JsonNode m) {
    ObjectNode out = F.objectNode().put("role", "assistant");
    ArrayNode content = out.putArray("content");
    if (!m.path("content").asText("").isEmpty()) {
      content.addObject().put("type", "text").put("text", m.path("content").asText());
    }
    for (JsonNode tc : m.path("toolCalls")) {
      content
          .addObject()
          .put("type", "tool_use")
          .put("id", tc.path("id").asText())
          .put("name", tc.path("name").asText())
          .set("input", tc.path("arguments"));
    }
    return out;
  }

  /** Tool calls of a reply, from either provider's verbatim shape. */
  static List<ToolCall> toolCalls(JsonNode raw) {
    List<ToolCall> out = new ArrayList<>();
    if (raw == null || !raw.isArray()) {
      return out;
    }
    for (JsonNode tc : raw) {
      if (tc.has("function")) {
        JsonNode args;
        try {
          String text = tc.path("function").path("arguments").asText("{}");
          args = Json.MAPPER.readTree(text.isBlank() ? "{}" : text);
        } catch (Exception e) {
          args = F.objectNode();
        }
        out.add(
            new ToolCall(tc.path("id").asText(), tc.path("function").path("name").asText(), args));
      } else if (tc.has("name")) {
        out.add(
            new ToolCall(
                tc.path("id").asText(),
                tc.path("name").asText(),
                tc.path("input").isMissingNode() ? F.objectNode() : tc.path("input")));
      }
    }
    return out;
  }
}
