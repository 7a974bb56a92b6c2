package dev.steadfast.engine;

import dev.steadfast.engine.exec.AttemptRequest;

/**
 * One attempt the engine decided to start.
 *
 * @param item forEach item index, or null for a plain step
 * @param number the unit's attempt number, part of the Idempotency-Key
 * @param stage 0 for the step itself, n for its n-th fallback
 * @param fallback the fallback's kind (llm, http, cache, value) or null for the step itself
 * @param digest SHA-256 of the resolved request, for loop detection and the response cache
 * @param breakerKey the circuit breaker guarding the call, or null
 */
public record Attempt(
    String step,
    Integer item,
    int number,
    int stage,
    String fallback,
    AttemptRequest request,
    String digest,
    String breakerKey) {

  /** Unique within a task: the Idempotency-Key. */
  public String key() {
    return request.idempotencyKey();
  }
}
