package dev.steadfast.engine.exec;

import dev.steadfast.api.ClassifyRule;
import java.time.Duration;
import java.util.List;

/**
 * Everything an executor needs for one attempt.
 *
 * @param namespace where secrets are looked up (locally: ignored)
 * @param idempotencyKey sent as the Idempotency-Key header: task uid/step/item/attempt
 * @param timeout limit for this attempt; exceeding it is Transient Timeout
 * @param classify user rules tried before the built-in table
 * @param redactor the task's: every secret value the attempt resolves is registered with it before
 *     use, and the attempt's messages, and later its outputs, are redacted with it
 */
public record AttemptRequest(
    String namespace,
    String idempotencyKey,
    Duration timeout,
    List<ClassifyRule> classify,
    Call call,
    Redactor redactor) {

  public AttemptRequest {
    redactor = redactor == null ? new Redactor() : redactor;
  }

  /** An attempt outside any task (tests, one-off calls): masks only what it resolves itself. */
  public AttemptRequest(
      String namespace,
      String idempotencyKey,
      Duration timeout,
      List<ClassifyRule> classify,
      Call call) {
    this(namespace, idempotencyKey, timeout, classify, call, null);
  }
}
