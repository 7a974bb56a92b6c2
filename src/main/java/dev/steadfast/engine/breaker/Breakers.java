package dev.steadfast.engine.breaker;

import dev.steadfast.engine.policy.BreakerSpec;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Circuit breakers shared by the tasks of one namespace that use the same key (resilience4j),
 * persisted on every state transition and restored at start. Only Transient failures are recorded.
 * A breaker is found by namespace and key together: another namespace choosing the same key gets a
 * breaker of its own and cannot open this one.
 */
public final class Breakers {
  /**
   * Breakers kept per namespace. Keys are chosen by tenants, so without a bound one namespace could
   * grow the operator's memory and the shared breakers' ConfigMap (1 MiB, every namespace's states)
   * without end. Beyond it the namespace's least recently used closed breaker is forgotten: a
   * closed breaker holds only its sliding window, which a new one rebuilds from the next calls.
   */
  public static final int MAX_PER_NAMESPACE = 100;

  /**
   * Where a namespace's new keys go when it has {@link #MAX_PER_NAMESPACE} breakers and none of
   * them is closed: one breaker they share, in that namespace only, so the overflow can open
   * nothing of another tenant's. Not a key the CRD accepts (longer than its 253 characters).
   */
  static final String OVERFLOW_KEY = "(over " + MAX_PER_NAMESPACE + " breakers)" + " ".repeat(253);

  /** Marker recorded by resilience4j for a Transient failure. */
  private static final RuntimeException TRANSIENT = new RuntimeException("transient failure");

  // Not a CircuitBreakerRegistry: its breakers are found by one string, and no string made of a
  // namespace and a key (which may contain any character) is unambiguous.
  private final Map<BreakerId, CircuitBreaker> breakers = new ConcurrentHashMap<>();
  private final Clock clock;
  private final BreakerStore store;
  private final Map<BreakerId, BreakerStore.Snapshot> snapshots = new ConcurrentHashMap<>();
  private final Map<BreakerId, BreakerStore.Snapshot> restored;
  // When each breaker was last asked for, to choose which closed one to forget at the bound.
  private final Map<BreakerId, Instant> lastUsed = new ConcurrentHashMap<>();

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

  /**
   * The breaker of a key in a namespace; the first policy seen for it configures it. A null
   * namespace is {@link BreakerId#DEFAULT_NAMESPACE}.
   */
  public CircuitBreaker get(String namespace, String key, BreakerSpec spec) {
    BreakerId id = new BreakerId(namespace, key);
    CircuitBreaker cb = breakers.get(id);
    if (cb == null) {
      id = roomFor(id);
      cb = breakers.get(id);
      if (cb == null) {
        cb = create(id, spec);
      }
    }
    lastUsed.put(id, clock.instant());
    return cb;
  }

  /**
   * The id a new key gets: its own, after forgetting the namespace's least recently used closed
   * breaker if the namespace is at {@link #MAX_PER_NAMESPACE}; the namespace's overflow breaker
   * when none of its breakers is closed.
   */
  private synchronized BreakerId roomFor(BreakerId id) {
    if (breakers.containsKey(id)) {
      return id;
    }
    BreakerId oldestClosed = null;
    int count = 0;
    for (Map.Entry<BreakerId, CircuitBreaker> e : breakers.entrySet()) {
      BreakerId other = e.getKey();
      if (!other.namespace().equals(id.namespace()) || other.key().equals(OVERFLOW_KEY)) {
        continue;
      }
      count++;
      if (e.getValue().getState() == CircuitBreaker.State.CLOSED
          && (oldestClosed == null || used(other).isBefore(used(oldestClosed)))) {
        oldestClosed = other;
      }
    }
    if (count < MAX_PER_NAMESPACE) {
      return id;
    }
    if (oldestClosed == null) {
      return new BreakerId(id.namespace(), OVERFLOW_KEY);
    }
    breakers.remove(oldestClosed);
    lastUsed.remove(oldestClosed);
    if (snapshots.remove(oldestClosed) != null) {
      store.save(Map.copyOf(snapshots));
    }
    return id;
  }

  private Instant used(BreakerId id) {
    return lastUsed.getOrDefault(id, Instant.MIN);
  }

  private synchronized CircuitBreaker create(BreakerId key, BreakerSpec spec) {
    CircuitBreaker existing = breakers.get(key);
    if (existing != null) {
      return existing;
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
    CircuitBreaker cb = CircuitBreaker.of(key.toString(), config);
    BreakerStore.Snapshot saved = restored.remove(key);
    if (saved != null && "OPEN".equals(saved.state()) && saved.openUntil() != null) {
      cb.transitionToOpenStateUntil(saved.openUntil());
    } else if (saved != null && "HALF_OPEN".equals(saved.state())) {
      cb.transitionToOpenStateUntil(clock.instant());
    }
    if (saved == null) {
      // A new closed breaker: nothing a restart would need, so no write to the store for it.
      snapshots.put(key, new BreakerStore.Snapshot(cb.getState().name(), clock.instant(), null));
    } else {
      record(key, cb.getState(), saved.since(), openUntil(cb, spec));
    }
    cb.getEventPublisher()
        .onStateTransition(
            e -> {
              // A breaker forgotten at the bound may still finish a call: its state is gone.
              if (breakers.get(key) == cb) {
                record(
                    key, e.getStateTransition().getToState(), clock.instant(), openUntil(cb, spec));
              }
            });
    breakers.put(key, cb);
    return cb;
  }

  private Instant openUntil(CircuitBreaker cb, BreakerSpec spec) {
    return cb.getState() == CircuitBreaker.State.OPEN
        ? clock.instant().plus(spec.openDuration())
        : null;
  }

  private void record(BreakerId key, CircuitBreaker.State state, Instant since, Instant openUntil) {
    BreakerStore.Snapshot previous = snapshots.get(key);
    Instant until =
        state == CircuitBreaker.State.OPEN && previous != null && "OPEN".equals(previous.state())
            ? previous.openUntil()
            : openUntil;
    snapshots.put(key, new BreakerStore.Snapshot(state.name(), since, until));
    store.save(Map.copyOf(snapshots));
  }

  /** When an open breaker lets a trial call through. */
  public Instant retryAt(String namespace, String key) {
    BreakerStore.Snapshot s = snapshots.get(new BreakerId(namespace, key));
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

  /** The states of one namespace's breakers by key, for tests and tools. */
  public Map<String, String> states(String namespace) {
    String ns = new BreakerId(namespace, "").namespace();
    Map<String, String> out = new TreeMap<>();
    breakers.forEach(
        (id, cb) -> {
          if (id.namespace().equals(ns)) {
            out.put(id.key(), cb.getState().name());
          }
        });
    return out;
  }

  /**
   * How many breakers each namespace has in each state, for metrics: bounded by the number of
   * namespaces, where a label per key would grow with whatever keys tenants choose.
   */
  public Map<String, Map<String, Long>> countsByNamespace() {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    breakers.forEach(
        (id, cb) ->
            out.computeIfAbsent(id.namespace(), n -> new TreeMap<>())
                .merge(cb.getState().name(), 1L, Long::sum));
    return out;
  }
}
