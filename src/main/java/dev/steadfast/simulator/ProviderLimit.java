package dev.steadfast.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The provider's own rate limit, per API key (the Authorization or x-api-key value): at most {@code
 * concurrent} requests served at once and at most {@code perSecond} requests admitted in each
 * wall-clock second (0: no such limit). A request over either gets 429 with Retry-After and
 * OpenAI's {@code x-ratelimit-*-requests} headers, so a client's adaptive concurrency can be shown
 * and measured against something that behaves like a real provider.
 */
public final class ProviderLimit {
  /** What the limit decided for one request. */
  public record Admission(boolean admitted, int limit, int remaining, Duration reset) {}

  private final int concurrent;
  private final int perSecond;
  private final Map<String, KeyState> keys = new HashMap<>();

  private static final class KeyState {
    int inFlight;
    long second = Long.MIN_VALUE;
    int inSecond;
  }

  /**
   * @param concurrent requests per key served at once, 0 for no limit
   * @param perSecond requests per key admitted per second, 0 for no limit
   */
  public ProviderLimit(int concurrent, int perSecond) {
    if (concurrent < 0 || perSecond < 0) {
      throw new IllegalArgumentException("provider limits must not be negative");
    }
    this.concurrent = concurrent;
    this.perSecond = perSecond;
  }

  /** No limit at all. */
  public static ProviderLimit none() {
    return new ProviderLimit(0, 0);
  }

  public boolean isNone() {
    return concurrent == 0 && perSecond == 0;
  }

  public int concurrent() {
    return concurrent;
  }

  public int perSecond() {
    return perSecond;
  }

  /**
   * Admits a request of {@code key} (null: no key, one shared bucket) or refuses it. An admitted
   * request must be {@link #release released} when its answer is sent.
   */
  public synchronized Admission admit(String key, Instant now) {
    KeyState s = keys.computeIfAbsent(key == null ? "" : key, k -> new KeyState());
    long second = now.getEpochSecond();
    if (s.second != second) {
      s.second = second;
      s.inSecond = 0;
    }
    Duration toNextSecond = Duration.ofSeconds(1).minusNanos(now.getNano());
    boolean overConcurrent = concurrent > 0 && s.inFlight >= concurrent;
    boolean overRate = perSecond > 0 && s.inSecond >= perSecond;
    if (overConcurrent || overRate) {
      // A concurrency slot frees when some answer goes out; a second (cheap for the client to wait)
      // is what OpenAI-style gateways answer too.
      return new Admission(
          false,
          overRate ? perSecond : concurrent,
          0,
          overRate ? toNextSecond : Duration.ofSeconds(1));
    }
    s.inFlight++;
    s.inSecond++;
    // Remaining counts the slots free once this request is answered: for a concurrency limit
    // that is never 0 on a success (its own slot frees), for a rate it is what is left this second.
    int remaining = perSecond > 0 ? perSecond - s.inSecond : concurrent - s.inFlight + 1;
    return new Admission(
        true,
        perSecond > 0 ? perSecond : concurrent,
        remaining,
        perSecond > 0 ? toNextSecond : Duration.ZERO);
  }

  /** An admitted request of {@code key} was answered (or dropped): its concurrency slot frees. */
  public synchronized void release(String key) {
    KeyState s = keys.get(key == null ? "" : key);
    if (s != null && s.inFlight > 0) {
      s.inFlight--;
    }
  }

  /** The answer's headers, as OpenAI sends them (the reset as a Go-style duration). */
  static Outcome withHeaders(Outcome outcome, Admission a) {
    Outcome o =
        outcome
            .withHeader("x-ratelimit-limit-requests", Integer.toString(a.limit()))
            .withHeader("x-ratelimit-remaining-requests", Integer.toString(a.remaining()));
    return a.reset().isZero()
        ? o
        : o.withHeader("x-ratelimit-reset-requests", a.reset().toMillis() + "ms");
  }

  /** Starts a new second for every key; requests in flight keep their slots until answered. */
  synchronized void reset() {
    keys.values().forEach(s -> s.second = Long.MIN_VALUE);
  }

  @Override
  public String toString() {
    if (isNone()) {
      return "none";
    }
    String c = concurrent > 0 ? concurrent + " concurrent" : "";
    String r = perSecond > 0 ? perSecond + "/s" : "";
    return (c + (c.isEmpty() || r.isEmpty() ? "" : ", ") + r) + " per API key";
  }
}
