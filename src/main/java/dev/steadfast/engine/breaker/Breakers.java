package dev.steadfast.engine.breaker;

import dev.steadfast.engine.policy.BreakerSpec;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Circuit breakers shared by key across all tasks of one process (resilience4j), persisted on every
 * state transition and restored at start. Only Transient failures are recorded.
 */
public final class Breakers {
  /** Marker recorded by resilience4j for a Transient failure. */
  private static final RuntimeException TRANSIENT = new RuntimeException("transient failure");

  private final CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
  private final Clock clock;
  private final BreakerStore store;
  private final Map<String, BreakerStore.Snapshot> snapshots = new ConcurrentHashMap<>();
  private final Map<String, BreakerStore.Snapshot> restored;

  public Breakers(Clock clock, BreakerStore store) {
    this.clock = clock;
    this.store = store;
    this.restored = new ConcurrentHashMap<>(store.load());
  }

  /** The default key: the endpoint host, plus the model for llm calls. */
  public static String defaultKey(String url, String model) {
    String host;
    try {
      URI uri = URI.create(url);
      host =
          uri.getHost() == null
              ? url
              : uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
    } catch (IllegalArgumentException e) {
      host = url;
    }
    return model == null || model.isBlank() ? host : host + "/" + model;
  }

  /** The breaker for a key; the first policy seen for a key configures it. */
  public CircuitBreaker get(String key, BreakerSpec spec) {
    return registry.find(key).orElseGet(() -> create(key, spec));
  }

  private synchronized CircuitBreaker create(String key, BreakerSpec spec) {
    var existing = registry.find(key);
    if (existing.isPresent()) {
      return existing.get();
    }
    CircuitBreakerConfig config =
        CircuitBreakerConfig.custom()
            .failureRateThreshold(spec.failureRateThreshold())
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(spec.slidingWindowSize())
            .minimumNumberOfCalls(Math.min(spec.minimumCalls(), spec.slidingWindowSize()))
            .waitDurationInOpenState(spec.openDuration())
            .permittedNumberOfCallsInHalfOpenState(spec.halfOpenCalls())
            .slowCallRateThreshold(100)
            .slowCallDurationThreshold(Duration.ofDays(1))
            .clock(clock)
            .build();
    CircuitBreaker cb = registry.circuitBreaker(key, config);
    BreakerStore.Snapshot saved = restored.remove(key);
    if (saved != null && "OPEN".equals(saved.state()) && saved.openUntil() != null) {
      cb.transitionToOpenStateUntil(saved.openUntil());
    } else if (saved != null && "HALF_OPEN".equals(saved.state())) {
      cb.transitionToOpenStateUntil(clock.instant());
    }
    record(
        key, cb.getState(), saved == null ? clock.instant() : saved.since(), openUntil(cb, spec));
    cb.getEventPublisher()
        .onStateTransition(
            e ->
                record(
                    key,
                    e.getStateTransition().getToState(),
                    clock.instant(),
                    openUntil(cb, spec)));
    return cb;
  }

  private Instant openUntil(CircuitBreaker cb, BreakerSpec spec) {
    return cb.getState() == CircuitBreaker.State.OPEN
        ? clock.instant().plus(spec.openDuration())
        : null;
  }

  private void record(String key, CircuitBreaker.State state, Instant since, Instant openUntil) {
    BreakerStore.Snapshot previous = snapshots.get(key);
    Instant until =
        state == CircuitBreaker.State.OPEN && previous != null && "OPEN".equals(previous.state())
            ? previous.openUntil()
            : openUntil;
    snapshots.put(key, new BreakerStore.Snapshot(state.name(), since, until));
    store.save(new TreeMap<>(snapshots));
  }

  /** When an open breaker lets a trial call through. */
  public Instant retryAt(String key) {
    BreakerStore.Snapshot s = snapshots.get(key);
    Instant now = clock.instant();
    if (s == null || s.openUntil() == null || s.openUntil().isBefore(now)) {
      return now.plusSeconds(1);
    }
    return s.openUntil();
  }

  public static void recordTransient(CircuitBreaker cb, Duration took) {
    cb.onError(took.toNanos(), TimeUnit.NANOSECONDS, TRANSIENT);
  }

  public static void recordSuccess(CircuitBreaker cb, Duration took) {
    cb.onSuccess(took.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** States of all breakers, for metrics and tests. */
  public Map<String, String> states() {
    Map<String, String> out = new TreeMap<>();
    registry.getAllCircuitBreakers().forEach(cb -> out.put(cb.getName(), cb.getState().name()));
    return out;
  }
}
