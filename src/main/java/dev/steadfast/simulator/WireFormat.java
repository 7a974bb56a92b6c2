package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;

/** One provider's API: how its requests read and how its answers and errors look. */
interface WireFormat {
  /** {@code openai} or {@code anthropic}, as recorded in the request log. */
  String api();

  /**
   * Reads a request body.
   *
   * @throws IllegalArgumentException when a real server would answer 400
   */
  ChatRequest parse(JsonNode body);

  /** The API key the client presented in this provider's header, or null. */
  String presentedKey(Headers headers);

  JsonNode success(ChatRequest request, Reply reply, long createdEpochSeconds);

  /**
   * The error answer for an error fault ({@code 429}, {@code 500}, {@code 503}, {@code 529}, {@code
   * 401}, {@code quota}, {@code context}).
   *
   * @param promptTokens the request's estimated size, quoted by the context error
   * @param contextLimit the context window quoted by the context error
   */
  Outcome error(FaultKind kind, int promptTokens, int contextLimit);

  /** 400 for a request the simulator cannot read. */
  Outcome invalidRequest(String message);

  /**
   * The answer to an error fault; {@code 429} carries Retry-After, which clients must honour.
   *
   * @param window the model's context window, or null when it has none
   */
  default Outcome faultAnswer(FaultKind fault, int promptTokens, Integer window, int retryAfter) {
    int limit = window != null ? window : SimulatorConfig.DEFAULT_CONTEXT_WINDOW;
    // An injected context fault must still read as an overflow, whatever the real size.
    Outcome outcome = error(fault, Math.max(promptTokens, limit + 1), limit);
    return fault == FaultKind.RATE_LIMITED
        ? outcome.withHeader("Retry-After", Integer.toString(retryAfter))
        : outcome;
  }
}
