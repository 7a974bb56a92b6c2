package dev.steadfast.engine;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.engine.breaker.BreakerStore;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.policy.EffectivePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * Drives the engine synchronously with a fake clock: attempts run one by one through a scripted
 * executor, and waits are skipped by moving the clock to the plan's wake-up time.
 */
final class EngineHarness {
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  final Breakers breakers;
  final TaskEngine engine;
  final List<EngineEvent> events = new ArrayList<>();
  final List<AttemptRequest> requests = new ArrayList<>();
  final List<Duration> waits = new ArrayList<>();

  EngineHarness() {
    this(new Breakers(new MutableClock(Instant.EPOCH), BreakerStore.NONE));
  }

  EngineHarness(Breakers breakers) {
    this(breakers, ResponseCache.inMemory(ResponseCache.DEFAULT_BYTES));
  }

  EngineHarness(Breakers breakers, ResponseCache cache) {
    this(breakers, cache, ItemLimit.DEFAULT);
  }

  /** With --max-items {@code maxItems}. */
  EngineHarness(int maxItems) {
    this(
        new Breakers(new MutableClock(Instant.EPOCH), BreakerStore.NONE),
        ResponseCache.inMemory(16),
        maxItems);
  }

  EngineHarness(Breakers breakers, ResponseCache cache, int maxItems) {
    this(breakers, cache, maxItems, Pricing.NONE);
  }

  /** With a price table (--pricing). */
  EngineHarness(Pricing pricing) {
    this(
        new Breakers(new MutableClock(Instant.EPOCH), BreakerStore.NONE),
        ResponseCache.inMemory(16),
        ItemLimit.DEFAULT,
        pricing);
  }

  EngineHarness(Breakers breakers, ResponseCache cache, int maxItems, Pricing pricing) {
    this.breakers = breakers;
    this.engine =
        new TaskEngine(
            clock,
            this.breakers,
            cache,
            new Random(7),
            EffectivePolicy.defaults(),
            maxItems,
            pricing,
            null);
  }

  static TaskRef task(String yaml) {
    try {
      AgentTask t =
          Json.YAML.readValue(
              "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: t, namespace: ns}\nspec:\n"
                  + yaml,
              AgentTask.class);
      return new TaskRef("t", "ns", "uid-1", 1L, t.getSpec(), java.util.Map.of());
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  AgentTaskStatus run(TaskRef task, Function<AttemptRequest, Outcome> executor) {
    AgentTaskStatus status = new AgentTaskStatus();
    return resume(task, status, executor, 1000);
  }

  AgentTaskStatus resume(
      TaskRef task,
      AgentTaskStatus status,
      Function<AttemptRequest, Outcome> executor,
      int maxRounds) {
    events.addAll(engine.prepare(task, status));
    for (int round = 0; round < maxRounds; round++) {
      Plan plan = engine.plan(task, status, Set.of(), events);
      if (plan.finished()) {
        return status;
      }
      if (plan.start().isEmpty()) {
        if (plan.wakeAt() == null) {
          return status;
        }
        Duration wait = Duration.between(clock.instant(), plan.wakeAt());
        waits.add(wait);
        clock.set(plan.wakeAt());
        continue;
      }
      for (Attempt a : plan.start()) {
        requests.add(a.request());
        engine.complete(task, status, a, executor.apply(a.request()), Duration.ofMillis(5), events);
      }
    }
    throw new AssertionError("task did not finish in " + maxRounds + " rounds: " + status.message);
  }

  List<String> reasons() {
    return events.stream().map(EngineEvent::reason).toList();
  }
}
