package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Decides what the simulated model says. Everything is derived from the request (its digest and
 * content), never from time or randomness, so a retried request gets the same answer.
 */
final class ReplyEngine {
  /** What {@code invalid-output} sends when JSON was asked for: cut off inside a string. */
  static final String MALFORMED_JSON = "{\"answer\": \"unterminated";

  private static final int QUOTE_LIMIT = 60;
  private static final int TOOL_QUOTE_LIMIT = 200;

  private final Map<String, List<String>> toolScripts;

  ReplyEngine(Map<String, List<String>> toolScripts) {
    this.toolScripts = Map.copyOf(toolScripts);
  }

  /**
   * The reply to {@code request}, spoiled as {@code fault} says when it is {@code invalid-output}
   * or {@code length}; other faults never reach this point.
   */
  Reply reply(ChatRequest request, FaultKind fault) {
    if (fault == FaultKind.INVALID_OUTPUT) {
      return Reply.text(request.jsonRequested() ? MALFORMED_JSON : "");
    }
    Reply reply = answer(request);
    if (fault == FaultKind.LENGTH) {
      // Cutting a JSON document before its last character always leaves it unterminated.
      String full = reply.visibleText();
      return new Reply(
          full.substring(0, Math.max(1, full.length() / 2)), null, Reply.Finish.LENGTH);
    }
    return reply;
  }

  private Reply answer(ChatRequest request) {
    int results = (int) request.toolResults();
    List<String> script = toolScripts.get(request.model());
    if (script != null && results < script.size()) {
      return call(request, script.get(results));
    }
    if (script == null && results == 0 && !request.tools().isEmpty()) {
      return call(request, request.tools().get(0).name());
    }
    if (results > 0) {
      String quote = cut(request.lastToolResult(), TOOL_QUOTE_LIMIT);
      return finalAnswer(request, "Final answer based on the tool result: " + quote);
    }
    return finalAnswer(request, "Simulated reply to: " + cut(request.lastUserText(), QUOTE_LIMIT));
  }

  private Reply finalAnswer(ChatRequest request, String text) {
    if (!request.jsonRequested()) {
      return Reply.text(text);
    }
    JsonNode document =
        request.schema() != null
            ? new SchemaInstance(request.digest()).of(request.schema())
            : Json.object().put("answer", text);
    return Reply.text(Json.write(document));
  }

  private static Reply call(ChatRequest request, String toolName) {
    JsonNode parameters =
        request.tools().stream()
            .filter(t -> t.name().equals(toolName))
            .map(ChatRequest.ToolSpec::parameters)
            .findFirst()
            .orElse(null);
    // A tool without a parameters schema takes no arguments: {} rather than a made-up string.
    JsonNode arguments =
        parameters == null || !parameters.isObject()
            ? Json.object()
            : new SchemaInstance(request.digest()).of(parameters);
    if (!arguments.isObject()) {
      arguments = Json.object();
    }
    String id = request.digest().substring(0, 24);
    return Reply.call(new Reply.ToolCall(id, toolName, arguments));
  }

  private static String cut(String text, int limit) {
    return text.length() <= limit ? text : text.substring(0, limit);
  }
}
