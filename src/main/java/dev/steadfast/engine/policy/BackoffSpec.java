package dev.steadfast.engine.policy;

import dev.steadfast.api.Backoff;
import dev.steadfast.api.Backoff.Jitter;
import dev.steadfast.engine.format.GoDuration;
import java.time.Duration;

/** A resolved backoff: every field set. */
public record BackoffSpec(
    Duration initialDelay, double multiplier, Duration maxDelay, Jitter jitter) {
  static BackoffSpec merge(Backoff step, Backoff task, Backoff defaults) {
    Backoff s = step == null ? new Backoff() : step;
    Backoff t = task == null ? new Backoff() : task;
    return new BackoffSpec(
        GoDuration.parse(
            EffectivePolicy.first(s.initialDelay, t.initialDelay, defaults.initialDelay)),
        EffectivePolicy.first(s.multiplier, t.multiplier, defaults.multiplier),
        GoDuration.parse(EffectivePolicy.first(s.maxDelay, t.maxDelay, defaults.maxDelay)),
        EffectivePolicy.first(s.jitter, t.jitter, defaults.jitter));
  }
}
