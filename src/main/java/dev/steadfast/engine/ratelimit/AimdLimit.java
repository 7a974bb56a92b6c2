package dev.steadfast.engine.ratelimit;

import java.time.Instant;

/**
 * One provider key's concurrency limit, paced the way TCP paces a congestion window (AIMD): a 429
 * halves it (floor 1), at most once per round of calls — only a call that started after the last
 * decrease can lower it again, so the burst of 429s one overload produces counts once; and each
 * limit's worth of successes, once the limit was reached (a call took its last slot or found none),
 * raises it by one, i.e. about one more slot per round trip of the whole window, whatever its size.
 * A reply that says no requests remain ({@code x-ratelimit-remaining-requests: 0}) blocks new calls
 * until the reset it names. Until the first 429 the limit starts low and doubles per limit's worth
 * of successes (TCP's slow start), so a generous provider is reached in a few rounds and a strict
 * one is overrun by a small first burst only. Not thread-safe: {@link EndpointLimits} holds the
 * lock.
 */
final class AimdLimit {
  private final int max;
  private int limit;
  private int inFlight;
  private int successes;
  private boolean slowStart = true;
  // The limit was the constraint since it last grew: unused headroom is no reason to grow.
  private boolean reached;
  private Instant lastDecrease = Instant.MIN;
  private Instant blockedUntil = Instant.MIN;

  /**
   * @param start the limit before anything is known
   * @param max the most it grows to
   */
  AimdLimit(int start, int max) {
    this.max = Math.max(1, max);
    this.limit = Math.max(1, Math.min(start, this.max));
  }

  int limit() {
    return limit;
  }

  int inFlight() {
    return inFlight;
  }

  /**
   * Whether the provider has limited this key: a 429 was seen (the limit left slow start) and the
   * limit is below the most it grows to, or a reply said nothing remains. Otherwise a call found no
   * slot only because the limit is still probing upwards, or because it is as large as the
   * process's own limit (--max-concurrent-steps), which queues calls anyway.
   */
  boolean providerLimited(Instant now) {
    return now.isBefore(blockedUntil) || (!slowStart && limit < max);
  }

  /** Slots a new call could take now. */
  int free(Instant now) {
    return now.isBefore(blockedUntil) ? 0 : Math.max(0, limit - inFlight);
  }

  /** Slots the limit leaves, blocked or not. */
  int room() {
    return Math.max(0, limit - inFlight);
  }

  /** When a blocked key takes calls again, or null when it is not blocked. */
  Instant blockedUntil(Instant now) {
    return now.isBefore(blockedUntil) ? blockedUntil : null;
  }

  boolean tryAcquire(Instant now) {
    if (free(now) == 0) {
      return false;
    }
    inFlight++;
    reached |= inFlight >= limit;
    return true;
  }

  /** A call found no slot. */
  void refused() {
    reached = true;
  }

  /** A call ended without telling anything about the limit (another failure, or cancelled). */
  void release() {
    inFlight = Math.max(0, inFlight - 1);
  }

  /** A call ended well: one step towards a higher limit, if the limit was the constraint. */
  void succeeded() {
    release();
    if (!reached || limit >= max) {
      return;
    }
    if (++successes >= limit) {
      successes = 0;
      reached = false;
      limit = slowStart ? Math.min(max, limit * 2) : limit + 1;
    }
  }

  /** A call that started at {@code startedAt} got 429. */
  void rateLimited(Instant startedAt, Instant now) {
    release();
    successes = 0;
    slowStart = false;
    if (startedAt.isBefore(lastDecrease)) {
      return; // part of the burst the last decrease already answered
    }
    limit = Math.max(1, limit / 2);
    lastDecrease = now;
  }

  /** The provider said nothing remains until {@code until}. */
  void blockUntil(Instant until) {
    if (until.isAfter(blockedUntil)) {
      blockedUntil = until;
    }
  }
}
