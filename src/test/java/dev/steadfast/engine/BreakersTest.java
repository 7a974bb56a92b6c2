package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.engine.breaker.BreakerId;
import dev.steadfast.engine.breaker.BreakerStore;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.policy.BreakerSpec;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BreakersTest {
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  final BreakerSpec spec = new BreakerSpec(null, 50, 4, 4, Duration.ofSeconds(60), 2);

  static final class MemoryStore implements BreakerStore {
    Map<BreakerId, Snapshot> saved = new HashMap<>();
    int writes;

    @Override
    public Map<BreakerId, Snapshot> load() {
      return saved;
    }

    @Override
    public void save(Map<BreakerId, Snapshot> snapshots) {
      saved = new HashMap<>(snapshots);
      writes++;
    }
  }

  @Test
  void closedOpenHalfOpenClosed() {
    MemoryStore store = new MemoryStore();
    Breakers breakers = new Breakers(clock, store);
    CircuitBreaker cb = breakers.get("ns", "llm.test/m", spec);
    for (int i = 0; i < 4; i++) {
      assertThat(cb.tryAcquirePermission()).isTrue();
      Breakers.recordTransient(cb, Duration.ofMillis(5));
    }
    assertThat(cb.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(cb.tryAcquirePermission()).isFalse();
    assertThat(store.saved.get(new BreakerId("ns", "llm.test/m")).state()).isEqualTo("OPEN");
    assertThat(breakers.retryAt("ns", "llm.test/m")).isEqualTo(clock.instant().plusSeconds(60));

    clock.advance(Duration.ofSeconds(61));
    assertThat(cb.tryAcquirePermission()).isTrue();
    assertThat(cb.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    Breakers.recordSuccess(cb, Duration.ofMillis(5));
    assertThat(cb.tryAcquirePermission()).isTrue();
    Breakers.recordSuccess(cb, Duration.ofMillis(5));
    assertThat(cb.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(store.saved.get(new BreakerId("ns", "llm.test/m")).state()).isEqualTo("CLOSED");
  }

  @Test
  void halfOpenFailureReopens() {
    Breakers breakers = new Breakers(clock, BreakerStore.NONE);
    CircuitBreaker cb = breakers.get("ns", "k", spec);
    for (int i = 0; i < 4; i++) {
      cb.tryAcquirePermission();
      Breakers.recordTransient(cb, Duration.ZERO);
    }
    clock.advance(Duration.ofSeconds(61));
    assertThat(cb.tryAcquirePermission()).isTrue();
    Breakers.recordTransient(cb, Duration.ZERO);
    cb.tryAcquirePermission();
    Breakers.recordTransient(cb, Duration.ZERO);
    assertThat(cb.getState()).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void sharedByKeyAndRestoredAfterRestart() {
    MemoryStore store = new MemoryStore();
    Breakers first = new Breakers(clock, store);
    assertThat(first.get("ns", "k", spec)).isSameAs(first.get("ns", "k", spec));
    CircuitBreaker cb = first.get("ns", "k", spec);
    for (int i = 0; i < 4; i++) {
      cb.tryAcquirePermission();
      Breakers.recordTransient(cb, Duration.ZERO);
    }
    clock.advance(Duration.ofSeconds(10));
    Breakers restarted = new Breakers(clock, store);
    CircuitBreaker again = restarted.get("ns", "k", spec);
    assertThat(again.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(again.tryAcquirePermission()).isFalse();
    clock.advance(Duration.ofSeconds(51));
    assertThat(again.tryAcquirePermission()).isTrue();
  }

  @Test
  void openBreakerSendsTheTaskToItsFallbackWithoutSpendingAttempts() {
    Breakers breakers = new Breakers(clock, BreakerStore.NONE);
    CircuitBreaker cb = breakers.get("ns", "llm.test/big", spec);
    cb.transitionToOpenState();
    EngineHarness h = new EngineHarness(breakers);
    var s =
        h.run(
            EngineHarness.task(
                "  steps:\n    - name: a\n"
                    + TaskEngineTest.LLM
                    + "      fallbacks:\n        - value: 42\n"),
            r -> TaskEngineTest.ok("never"));
    assertThat(h.requests).isEmpty();
    assertThat(s.attempts == null ? 0 : s.attempts).isZero();
    assertThat(s.steps.get(0).output.asInt()).isEqualTo(42);
  }

  @Test
  void openBreakerWithoutFallbackWaitsWithCircuitOpen() {
    Breakers breakers = new Breakers(clock, BreakerStore.NONE);
    breakers.get("ns", "llm.test/big", spec).transitionToOpenState();
    EngineHarness h = new EngineHarness(breakers);
    TaskRef t = EngineHarness.task("  steps:\n    - name: a\n" + TaskEngineTest.LLM);
    var s = new dev.steadfast.api.AgentTaskStatus();
    h.engine.prepare(t, s);
    Plan p = h.engine.plan(t, s, java.util.Set.of(), h.events);
    assertThat(p.start()).isEmpty();
    assertThat(p.wakeAt()).isNotNull();
    assertThat(s.phase).isEqualTo(dev.steadfast.api.TaskPhase.Waiting);
    assertThat(s.checkpoint.steps.get(0).units.get(0).waitReason).isEqualTo("CircuitOpen");
    assertThat(s.message).contains("CircuitOpen");
    assertThat(dev.steadfast.engine.status.Conditions.find(s.conditions, "Reconciling").reason)
        .isEqualTo("CircuitOpen");
  }

  @Test
  void theSameKeyInTwoNamespacesIsTwoBreakers() {
    MemoryStore store = new MemoryStore();
    Breakers breakers = new Breakers(clock, store);
    CircuitBreaker b = breakers.get("team-b", "shared", spec);
    for (int i = 0; i < 4; i++) {
      b.tryAcquirePermission();
      Breakers.recordTransient(b, Duration.ZERO);
    }
    CircuitBreaker a = breakers.get("team-a", "shared", spec);

    assertThat(b.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(a).isNotSameAs(b);
    assertThat(a.tryAcquirePermission()).isTrue();
    assertThat(breakers.states("team-a")).containsExactly(Map.entry("shared", "CLOSED"));
    assertThat(breakers.states("team-b")).containsExactly(Map.entry("shared", "OPEN"));
    assertThat(breakers.countsByNamespace())
        .isEqualTo(Map.of("team-a", Map.of("CLOSED", 1L), "team-b", Map.of("OPEN", 1L)));
    assertThat(store.saved.get(new BreakerId("team-b", "shared")).state()).isEqualTo("OPEN");
    // A breaker that never left CLOSED costs no write: a restart would make it closed anyway.
    assertThat(store.saved).doesNotContainKey(new BreakerId("team-a", "shared"));

    // After a restart each namespace gets its own state back.
    Breakers restarted = new Breakers(clock, store);
    assertThat(restarted.get("team-a", "shared", spec).tryAcquirePermission()).isTrue();
    assertThat(restarted.get("team-b", "shared", spec).tryAcquirePermission()).isFalse();
  }

  @Test
  void aBreakerOpenedByAnotherNamespaceWithTheSameKeyLeavesThisTaskRunning() {
    Breakers breakers = new Breakers(clock, BreakerStore.NONE);
    EngineHarness h = new EngineHarness(breakers);
    String yaml =
        "  policy:\n    retry: {maxAttempts: 4, backoff: {initialDelay: 1s, maxDelay: 1s}}\n"
            + "    circuitBreaker: {key: shared, failureRateThreshold: 50, slidingWindowSize: 4,"
            + " minimumCalls: 4, openDuration: 10m}\n"
            + "  steps:\n    - name: a\n"
            + TaskEngineTest.HTTP;
    TaskRef base = EngineHarness.task(yaml);
    TaskRef inB = new TaskRef("t", "team-b", "uid-b", 1L, base.spec(), Map.of());
    TaskRef inA = new TaskRef("t", "team-a", "uid-a", 1L, base.spec(), Map.of());

    var failing = TaskEngineTest.fail(dev.steadfast.api.Tier.Transient, "ServerError", 500, null);
    h.resume(inB, new dev.steadfast.api.AgentTaskStatus(), r -> failing, 50);
    assertThat(breakers.states("team-b")).containsEntry("shared", "OPEN");
    int sentByB = h.requests.size();
    assertThat(sentByB).isEqualTo(4);

    var a = h.run(inA, r -> TaskEngineTest.ok("fine"));

    assertThat(a.phase).isEqualTo(dev.steadfast.api.TaskPhase.Succeeded);
    assertThat(h.requests).hasSize(sentByB + 1);
    assertThat(h.requests.get(sentByB).namespace()).isEqualTo("team-a");
    assertThat(breakers.states("team-a")).containsEntry("shared", "CLOSED");
  }

  @Test
  void aNamespaceKeepsAtMostItsBoundOfBreakersForgettingTheLeastRecentlyUsedClosedOne() {
    MemoryStore store = new MemoryStore();
    Breakers breakers = new Breakers(clock, store);
    CircuitBreaker first = breakers.get("team-a", "key-0", spec);
    for (int i = 1; i < Breakers.MAX_PER_NAMESPACE; i++) {
      clock.advance(Duration.ofSeconds(1));
      breakers.get("team-a", "key-" + i, spec);
    }
    clock.advance(Duration.ofSeconds(1));
    breakers.get("team-a", "key-0", spec); // used again: key-1 is now the least recently used
    breakers.get("team-b", "other", spec);

    clock.advance(Duration.ofSeconds(1));
    breakers.get("team-a", "one-too-many", spec);

    assertThat(breakers.states("team-a"))
        .hasSize(Breakers.MAX_PER_NAMESPACE)
        .containsKeys("key-0", "one-too-many")
        .doesNotContainKey("key-1");
    assertThat(breakers.get("team-a", "key-0", spec)).isSameAs(first);
    // Another namespace's breakers are neither counted nor forgotten.
    assertThat(breakers.states("team-b")).containsOnlyKeys("other");
  }

  @Test
  void whenEveryBreakerOfANamespaceIsOpenNewKeysShareOneOverflowBreakerOfThatNamespace() {
    MemoryStore store = new MemoryStore();
    Breakers breakers = new Breakers(clock, store);
    for (int i = 0; i < Breakers.MAX_PER_NAMESPACE; i++) {
      CircuitBreaker cb = breakers.get("hostile", "key-" + i, spec);
      for (int n = 0; n < 4; n++) {
        cb.tryAcquirePermission();
        Breakers.recordTransient(cb, Duration.ZERO);
      }
      assertThat(cb.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    CircuitBreaker x = breakers.get("hostile", "new-x", spec);
    CircuitBreaker y = breakers.get("hostile", "new-y", spec);

    assertThat(x).isSameAs(y);
    assertThat(breakers.states("hostile")).hasSize(Breakers.MAX_PER_NAMESPACE + 1);
    // Opening the overflow breaker opens nothing of another namespace with the same key.
    for (int n = 0; n < 4; n++) {
      x.tryAcquirePermission();
      Breakers.recordTransient(x, Duration.ZERO);
    }
    assertThat(breakers.get("team-a", "new-x", spec).tryAcquirePermission()).isTrue();
    assertThat(store.saved.keySet().stream().filter(id -> id.namespace().equals("hostile")))
        .hasSize(Breakers.MAX_PER_NAMESPACE + 1);
  }
}
