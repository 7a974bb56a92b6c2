package dev.steadfast.engine.policy;

import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Delay before retry n: exponential (resilience4j's interval maths), capped by maxDelay, with
 * Full/Equal/None jitter. A server's Retry-After is honoured — the delay is at least that long —
 * but never beyond maxDelay.
 */
public final class BackoffSchedule {
  private BackoffSchedule() {}

  /**
   * @param retry 1 for the first retry
   * @param retryAfter what the server asked for, or null
   */
  public static Duration delay(
      BackoffSpec spec, int retry, Duration retryAfter, RandomGenerator random) {
    long cap = spec.maxDelay().toMillis();
    long base =
        IntervalFunction.ofExponentialBackoff(
                spec.initialDelay(), spec.multiplier(), spec.maxDelay())
            .apply(Math.max(1, retry));
    base = Math.min(base, cap);
    long jittered =
        switch (spec.jitter()) {
          case Full -> (long) (random.nextDouble() * (base + 1));
          case Equal -> base / 2 + (long) (random.nextDouble() * (base / 2 + 1));
          case None -> base;
        };
    long millis = Math.min(jittered, cap);
    if (retryAfter != null) {
      millis = Math.min(Math.max(millis, retryAfter.toMillis()), cap);
    }
    return Duration.ofMillis(Math.max(0, millis));
  }
}
