package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.JsonNode;

/** What the simulated model answers, before it is put into a wire format. */
record Reply(String text, ToolCall toolCall, Finish finish) {

  /** Why the model stopped; each wire format has its own words for these. */
  enum Finish {
    STOP,
    LENGTH,
    TOOL_CALLS
  }

  /**
   * One tool call. {@code id} is the wire-neutral part of the call id; the formats prefix it
   * ({@code call_}, {@code toolu_}).
   */
  record ToolCall(String id, String name, JsonNode arguments) {}

  static Reply text(String text) {
    return new Reply(text, null, Finish.STOP);
  }

  static Reply call(ToolCall call) {
    return new Reply(null, call, Finish.TOOL_CALLS);
  }

  /** The text a client sees, or the tool arguments when the reply is a call. */
  String visibleText() {
    return toolCall == null ? text : Json.write(toolCall.arguments());
  }

  /** Completion tokens by the same chars / 4 estimate as the prompt. */
  int completionTokens() {
    return Math.max(1, (visibleText().length() + 3) / 4);
  }
}
