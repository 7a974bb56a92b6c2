package dev.steadfast.engine;

import dev.steadfast.api.StepPhase;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.format.GoDuration;
import dev.steadfast.engine.policy.BackoffSchedule;
import dev.steadfast.engine.policy.EffectivePolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * A Transient failure is retried after a backoff (honouring Retry-After) while the stage's attempt
 * budget and its maxElapsed window last. The wait is a durable timer in the checkpoint ({@code
 * nextAttemptAt}), never a sleep, so a restart keeps the schedule.
 */
final class TransientRetry {
  private final Clock clock;
  private final RandomGenerator random;

  TransientRetry(Clock clock, RandomGenerator random) {
    this.clock = clock;
    this.random = random;
  }

  /** The wait before the next attempt, and how the message tells it. */
  record Retry(Duration delay, String how) {}

  /** The backoff of a Transient failure, or null when the budget or the window is spent. */
  Retry next(UnitCheckpoint unit, Failure f, EffectivePolicy policy) {
    Instant now = clock.instant();
    boolean budget = policy.maxAttempts() == 0 || unit.stageAttempts < policy.maxAttempts();
    boolean window =
        unit.stageStartedAt == null
            || Duration.between(Instant.parse(unit.stageStartedAt), now)
                    .compareTo(policy.maxElapsed())
                < 0;
    if (!budget || !window) {
      return null;
    }
    boolean rateLimited = Reason.RateLimited.is(f.reason());
    int n =
        rateLimited
            ? (unit.rateLimitRetries = Units.inc(unit.rateLimitRetries))
            : (unit.transientRetries = Units.inc(unit.transientRetries));
    // Providers send reset headers on every reply; they only mean "wait" on 429/503/529.
    Duration asked = rateLimited || Reason.Overloaded.is(f.reason()) ? f.retryAfter() : null;
    Duration delay =
        BackoffSchedule.delay(
            rateLimited ? policy.rateLimit() : policy.backoff(), n, asked, random);
    return new Retry(
        delay,
        "retry "
            + (unit.stageAttempts + 1)
            + (policy.maxAttempts() == 0 ? "" : "/" + policy.maxAttempts())
            + " in "
            + GoDuration.format(delay));
  }

  /** The unit waits {@code delay} (or is due at once) because of {@code f}. */
  void wait(UnitCheckpoint unit, Failure f, Duration delay) {
    unit.phase = delay.isZero() ? StepPhase.Pending : StepPhase.Waiting;
    unit.waitReason = f.reason();
    unit.nextAttemptAt = delay.isZero() ? null : clock.instant().plus(delay).toString();
  }
}
