package dev.steadfast.engine.policy;

import dev.steadfast.api.Backoff;
import dev.steadfast.api.CircuitBreakerPolicy;
import dev.steadfast.api.ClassifyRule;
import dev.steadfast.api.LoopDetection;
import dev.steadfast.api.Policy;
import dev.steadfast.api.RetryPolicy;
import dev.steadfast.api.Step;
import dev.steadfast.engine.format.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The policy one step runs under: the step's settings merged field by field over the task's
 * spec.policy, merged over the operator defaults ({@link #defaults()}, or the {@code
 * --default-policy} file merged over them: {@link DefaultPolicy}).
 */
public record EffectivePolicy(
    Duration timeout,
    int maxAttempts,
    BackoffSpec backoff,
    BackoffSpec rateLimit,
    Duration maxElapsed,
    BreakerSpec breaker,
    int maxIdenticalFailures,
    List<ClassifyRule> classify) {

  /** Operator defaults (docs/tasks.md, policy). */
  public static Policy defaults() {
    Policy p = new Policy();
    p.timeout = "60s";
    p.retry = new RetryPolicy();
    p.retry.maxAttempts = 5;
    p.retry.maxElapsed = "30m";
    p.retry.backoff = backoff("1s", 2.0, "5m", Backoff.Jitter.Full);
    p.retry.rateLimit = backoff("10s", 2.0, "10m", Backoff.Jitter.Full);
    p.circuitBreaker = new CircuitBreakerPolicy();
    p.circuitBreaker.failureRateThreshold = 50;
    p.circuitBreaker.slidingWindowSize = 20;
    p.circuitBreaker.minimumCalls = 10;
    p.circuitBreaker.openDuration = "60s";
    p.circuitBreaker.halfOpenCalls = 3;
    p.loopDetection = new LoopDetection();
    p.loopDetection.maxIdenticalFailures = 5;
    return p;
  }

  private static Backoff backoff(String initial, double mult, String max, Backoff.Jitter jitter) {
    Backoff b = new Backoff();
    b.initialDelay = initial;
    b.multiplier = mult;
    b.maxDelay = max;
    b.jitter = jitter;
    return b;
  }

  public static EffectivePolicy resolve(Policy defaults, Policy task, Step step) {
    Policy t = task == null ? new Policy() : task;
    RetryPolicy dr = defaults.retry;
    RetryPolicy tr = t.retry == null ? new RetryPolicy() : t.retry;
    RetryPolicy sr = step == null || step.retry == null ? new RetryPolicy() : step.retry;
    CircuitBreakerPolicy db = defaults.circuitBreaker;
    CircuitBreakerPolicy tb =
        t.circuitBreaker == null ? new CircuitBreakerPolicy() : t.circuitBreaker;
    CircuitBreakerPolicy sb =
        step == null || step.circuitBreaker == null
            ? new CircuitBreakerPolicy()
            : step.circuitBreaker;
    String timeout = first(step == null ? null : step.timeout, t.timeout, defaults.timeout);
    return new EffectivePolicy(
        GoDuration.parse(timeout),
        first(sr.maxAttempts, tr.maxAttempts, dr.maxAttempts),
        BackoffSpec.merge(sr.backoff, tr.backoff, dr.backoff),
        BackoffSpec.merge(sr.rateLimit, tr.rateLimit, dr.rateLimit),
        GoDuration.parse(first(sr.maxElapsed, tr.maxElapsed, dr.maxElapsed)),
        new BreakerSpec(
            first(sb.key, tb.key, db.key),
            first(sb.failureRateThreshold, tb.failureRateThreshold, db.failureRateThreshold),
            first(sb.slidingWindowSize, tb.slidingWindowSize, db.slidingWindowSize),
            first(sb.minimumCalls, tb.minimumCalls, db.minimumCalls),
            GoDuration.parse(first(sb.openDuration, tb.openDuration, db.openDuration)),
            first(sb.halfOpenCalls, tb.halfOpenCalls, db.halfOpenCalls)),
        first(
            step == null || step.loopDetection == null
                ? null
                : step.loopDetection.maxIdenticalFailures,
            t.loopDetection == null ? null : t.loopDetection.maxIdenticalFailures,
            defaults.loopDetection.maxIdenticalFailures),
        classify(step == null ? null : step.classify, t.classify, defaults.classify));
  }

  /**
   * The step's rules first, then the task's, then the operator's default rules; the built-in table
   * comes last.
   */
  @SafeVarargs
  private static List<ClassifyRule> classify(List<ClassifyRule>... levels) {
    List<ClassifyRule> rules = new ArrayList<>();
    for (List<ClassifyRule> level : levels) {
      if (level != null) {
        rules.addAll(level);
      }
    }
    return List.copyOf(rules);
  }

  @SafeVarargs
  static <T> T first(T... values) {
    for (T v : values) {
      if (v != null && !(v instanceof String s && s.isEmpty())) {
        return v;
      }
    }
    return null;
  }
}
