package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One request the simulator received, as tests assert on it. Credentials are never kept: of all
 * headers only {@code Idempotency-Key} and the W3C {@code traceparent} are recorded.
 *
 * @param sequence 1-based arrival number since start or the last reset
 * @param path the request path without query
 * @param api {@code openai}, {@code anthropic} or {@code http} (the generic endpoints)
 * @param model the requested model; {@code http} for the generic endpoints; null if unreadable
 * @param idempotencyKey the {@code Idempotency-Key} header, or null
 * @param body the request body (a text node when it was not JSON, null when empty)
 * @param fault the fault whose response was sent ({@link FaultKind#id()}), or null; real checks
 *     (context window, API key) report {@code context} and {@code 401} too
 * @param status the HTTP status sent, or -1 when the connection was dropped or held
 * @param inputTokens the input tokens the response reported in its usage block, or null when it
 *     reported none (errors, dropped connections, the generic endpoints)
 * @param outputTokens the output tokens the response reported, or null
 * @param traceparent the {@code traceparent} header (the caller's span), or null
 */
public record RecordedRequest(
    long sequence,
    String path,
    String api,
    String model,
    String idempotencyKey,
    JsonNode body,
    String fault,
    int status,
    Long inputTokens,
    Long outputTokens,
    String traceparent) {

  public RecordedRequest {
    body = body == null ? null : body.deepCopy();
  }

  /** A copy, because Jackson nodes are mutable and the record must stay as received. */
  @Override
  public JsonNode body() {
    return body == null ? null : body.deepCopy();
  }
}
