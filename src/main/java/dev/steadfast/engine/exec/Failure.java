package dev.steadfast.engine.exec;

import dev.steadfast.api.Tier;
import java.time.Duration;

/**
 * A classified failure of one attempt (docs/errors.md).
 *
 * @param code HTTP status or exit code, when there was one
 * @param retryAfter how long the server asked us to wait (Retry-After, x-ratelimit-reset-*), or
 *     null
 */
public record Failure(Tier tier, String reason, String message, Integer code, Duration retryAfter) {
  public static Failure of(Tier tier, String reason, String message) {
    return new Failure(tier, reason, message, null, null);
  }
}
