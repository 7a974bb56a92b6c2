package dev.steadfast.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.steadfast.api.Tool;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.format.Json;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The tool calls of an agent's transcript. The model's last message may ask for tools; each one the
 * transcript does not answer yet is pending, and the engine runs it as an attempt of its own before
 * the model is called again. Results (or errors) are appended as {role: tool} messages.
 */
final class AgentTools {
  /** A tool result longer than this is cut: the model needs its gist, not megabytes. */
  static final int MAX_RESULT = 8 * 1024;

  private AgentTools() {}

  /** One tool call the model asked for. */
  record Pending(String id, String name, JsonNode arguments) {}

  /** The first tool call of the last assistant message without a result yet, or null. */
  static Pending pending(JsonNode transcript) {
    if (transcript == null || !transcript.isArray()) {
      return null;
    }
    int last = -1;
    for (int m = transcript.size() - 1; m >= 0; m--) {
      if ("assistant".equals(transcript.get(m).path("role").asText())) {
        last = m;
        break;
      }
    }
    if (last < 0) {
      return null;
    }
    Set<String> answered = new HashSet<>();
    for (int m = last + 1; m < transcript.size(); m++) {
      JsonNode msg = transcript.get(m);
      if ("tool".equals(msg.path("role").asText())) {
        answered.add(msg.path("toolCallId").asText());
      }
    }
    for (JsonNode tc : transcript.get(last).path("toolCalls")) {
      String id = tc.path("id").asText();
      if (!answered.contains(id)) {
        return new Pending(id, tc.path("name").asText(), tc.path("arguments"));
      }
    }
    return null;
  }

  static Tool tool(List<Tool> tools, String name) {
    return tools == null
        ? null
        : tools.stream().filter(t -> t.name.equals(name)).findFirst().orElse(null);
  }

  /** Appends a tool call's result (or error) and readies the unit for its next action. */
  static void answer(UnitCheckpoint unit, Pending call, String content) {
    ((ArrayNode) unit.transcript)
        .addObject()
        .put("role", "tool")
        .put("toolCallId", call.id())
        .put("name", call.name())
        .put("content", content);
    Units.nextAction(unit);
  }

  /** A tool's output as the model reads it: text as is, JSON as JSON text, cut at 8 KiB. */
  static String resultText(JsonNode output) {
    String text =
        output == null || output.isNull()
            ? "null"
            : output.isTextual() ? output.textValue() : Json.write(output);
    return text.length() > MAX_RESULT ? text.substring(0, MAX_RESULT) : text;
  }
}
