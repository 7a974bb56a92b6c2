package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * A chat request with the differences between the OpenAI and Anthropic wire formats removed: what
 * the reply engine needs to decide what the model "says".
 */
record ChatRequest(
    String model,
    String digest,
    List<Turn> turns,
    List<ToolSpec> tools,
    boolean jsonRequested,
    JsonNode schema,
    int maxTokens) {

  /** The marker the engine puts before an output schema in a prompt. */
  static final String SCHEMA_MARKER = "JSON Schema:";

  /** One message, or one tool result (role {@code tool}), as plain text. */
  record Turn(String role, String text) {}

  /** A tool the model may call; {@code parameters} is a JSON Schema (may be null). */
  record ToolSpec(String name, JsonNode parameters) {}

  ChatRequest {
    turns = List.copyOf(turns);
    tools = List.copyOf(tools);
  }

  /**
   * Builds the request, finding out from the prompts whether JSON is wanted: the engine asks with
   * "Respond with JSON only, matching this JSON Schema:" followed by the schema.
   *
   * @param explicitSchema a schema the API carried out of band (OpenAI json_schema), or null
   * @param digestSource text that identifies the request (model and messages)
   */
  static ChatRequest of(
      String model,
      String digestSource,
      List<Turn> turns,
      List<ToolSpec> tools,
      boolean explicitJson,
      JsonNode explicitSchema,
      int maxTokens) {
    boolean json = explicitJson;
    JsonNode schema = explicitSchema;
    for (Turn turn : turns) {
      if (!turn.role().equals("system")
          && !turn.role().equals("user")
          && !turn.role().equals("developer")) {
        continue;
      }
      if (turn.text().toLowerCase(Locale.ROOT).contains("respond with json")) {
        json = true;
      }
      int marker = turn.text().lastIndexOf(SCHEMA_MARKER);
      if (marker >= 0) {
        json = true;
        JsonNode found = schemaAfter(turn.text().substring(marker + SCHEMA_MARKER.length()));
        if (found != null && explicitSchema == null) {
          schema = found; // the last one wins: a repair prompt may restate it
        }
      }
    }
    return new ChatRequest(
        model, Json.digest(model + "\n" + digestSource), turns, tools, json, schema, maxTokens);
  }

  private static JsonNode schemaAfter(String rest) {
    String trimmed = rest.stripLeading();
    if (!trimmed.startsWith("{")) {
      return null;
    }
    try {
      return Json.parseFirst(trimmed);
    } catch (IOException e) {
      return null; // JSON was still asked for; the reply falls back to {"answer": ...}
    }
  }

  /** Estimated prompt tokens: all message characters / 4, rounded up. */
  int promptTokens() {
    long chars = turns.stream().mapToLong(t -> t.text().length()).sum();
    return (int) ((chars + 3) / 4);
  }

  long toolResults() {
    return turns.stream().filter(t -> t.role().equals("tool")).count();
  }

  String lastToolResult() {
    return lastText("tool");
  }

  String lastUserText() {
    return lastText("user");
  }

  private String lastText(String role) {
    for (int i = turns.size() - 1; i >= 0; i--) {
      if (turns.get(i).role().equals(role) && !turns.get(i).text().isEmpty()) {
        return turns.get(i).text();
      }
    }
    return "";
  }
}
