package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

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
    Map<String, Snapshot> saved = new HashMap<>();
    int writes;

    @Override
    public Map<String, Snapshot> load() {
      return saved;
    }

    @Override
    public void save(Map<String, Snapshot> snapshots) {
      saved = new HashMap<>(snapshots);
      writes++;
    }
  }

  @Test
  void closedOpenHalfOpenClosed() {
    MemoryStore store = new MemoryStore();
    Breakers breakers = new Breakers(clock, store);
    CircuitBreaker cb = breakers.get("llm.test/m", spec);
    for (int i = 0; i < 4; i++) {
      assertThat(cb.tryAcquirePermission()).isTrue();
      Breakers.recordTransient(cb, Duration.ofMillis(5));
    }
    assertThat(cb.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(cb.tryAcquirePermission()).isFalse();
    assertThat(store.saved.get("llm.test/m").state()).isEqualTo("OPEN");
    assertThat(breakers.retryAt("llm.test/m")).isEqualTo(clock.instant().plusSeconds(60));

    clock.advance(Duration.ofSeconds(61));
    assertThat(cb.tryAcquirePermission()).isTrue();
    assertThat(cb.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    Breakers.recordSuccess(cb, Duration.ofMillis(5));
    assertThat(cb.tryAcquirePermission()).isTrue();
    Breakers.recordSuccess(cb, Duration.ofMillis(5));
    assertThat(cb.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(store.saved.get("llm.test/m").state()).isEqualTo("CLOSED");
  }

  @Test
  void halfOpenFailureReopens() {
    Breakers breakers = new Breakers(clock, BreakerStore.NONE);
    CircuitBreaker cb = breakers.get("k", spec);
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
    assertThat(first.get("k", spec)).isSameAs(first.get("k", spec));
    CircuitBreaker cb = first.get("k", spec);
    for (int i = 0; i < 4; i++) {
      cb.tryAcquirePermission();
      Breakers.recordTransient(cb, Duration.ZERO);
    }
    clock.advance(Duration.ofSeconds(10));
    Breakers restarted = new Breakers(clock, store);
    CircuitBreaker again = restarted.get("k", spec);
    assertThat(again.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(again.tryAcquirePermission()).isFalse();
    clock.advance(Duration.ofSeconds(51));
    assertThat(again.tryAcquirePermission()).isTrue();
  }

  @Test
  void openBreakerSendsTheTaskToItsFallbackWithoutSpendingAttempts() {
    Breakers breakers = new Breakers(clock, BreakerStore.NONE);
    CircuitBreaker cb = breakers.get("llm.test/big", spec);
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
    breakers.get("llm.test/big", spec).transitionToOpenState();
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
}
