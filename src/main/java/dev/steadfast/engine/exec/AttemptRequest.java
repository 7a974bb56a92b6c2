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
 */
public record AttemptRequest(
    String namespace,
    String idempotencyKey,
    Duration timeout,
    List<ClassifyRule> classify,
    Call call) {}
