package dev.steadfast.engine;

import dev.steadfast.api.Step;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.exec.Outcome;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The circuit breakers in front of calls (docs/tasks.md policy.breaker): an attempt asks for
 * permission before it starts, and its outcome is recorded when it ends. Only Transient failures
 * count against a breaker; the opening and closing of one is news (CircuitOpened, CircuitClosed).
 */
final class BreakerGate {
  private final Breakers breakers;
  private final TaskPolicies policies;

  BreakerGate(Breakers breakers, TaskPolicies policies) {
    this.breakers = breakers;
    this.policies = policies;
  }

  /** True when the breaker {@code key} lets a call of {@code step} through now. */
  boolean admits(TaskRef task, Step step, String key) {
    return breaker(task, step, key).tryAcquirePermission();
  }

  /** When the open breaker {@code key} lets a trial call through. */
  Instant retryAt(TaskRef task, String key) {
    return breakers.retryAt(task.namespace(), key);
  }

  /** Records an attempt's outcome on its breaker, with an event when the breaker flips. */
  void record(
      TaskRef task,
      Step step,
      Attempt attempt,
      Outcome outcome,
      Duration took,
      List<EngineEvent> events) {
    CircuitBreaker cb = breaker(task, step, attempt.breakerKey());
    CircuitBreaker.State before = cb.getState();
    if (outcome instanceof Outcome.Success) {
      Breakers.recordSuccess(cb, took);
    } else if (outcome instanceof Outcome.Failed f && f.failure().tier() == Tier.Transient) {
      Breakers.recordTransient(cb, took);
    } else {
      cb.releasePermission();
    }
    CircuitBreaker.State after = cb.getState();
    if (before != after && after == CircuitBreaker.State.OPEN) {
      events.add(
          EngineEvent.warning(
              EventType.CircuitOpened,
              step.name,
              "breaker " + attempt.breakerKey() + " opened after repeated transient failures"));
    } else if (before != after && after == CircuitBreaker.State.CLOSED) {
      events.add(
          EngineEvent.normal(
              EventType.CircuitClosed,
              step.name,
              "breaker " + attempt.breakerKey() + " closed again"));
    }
  }

  private CircuitBreaker breaker(TaskRef task, Step step, String key) {
    return breakers.get(task.namespace(), key, policies.of(task, step).breaker());
  }
}
