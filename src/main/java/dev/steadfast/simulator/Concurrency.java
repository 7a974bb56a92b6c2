package dev.steadfast.simulator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many requests the simulator is serving at once (received, answer not yet sent), the most at
 * any moment, and when each answer went out. A benchmark reads these to tell whether a client had
 * the calls in flight that it was asked for, and which answered calls a killed client had yet to
 * checkpoint.
 */
public final class Concurrency {
  /** An answer sent in full: the request's {@code Idempotency-Key} (or null) and when. */
  public record Answer(String idempotencyKey, Instant at) {}

  private final AtomicInteger current = new AtomicInteger();
  private final AtomicInteger peak = new AtomicInteger();
  private final List<Answer> answers = new ArrayList<>();

  void enter() {
    peak.accumulateAndGet(current.incrementAndGet(), Math::max);
  }

  void exit() {
    current.decrementAndGet();
  }

  synchronized void answered(String idempotencyKey, Instant at) {
    answers.add(new Answer(idempotencyKey, at));
  }

  /** Requests being served now. */
  public int current() {
    return current.get();
  }

  /** The most requests served at once since start or the last reset. */
  public int peak() {
    return peak.get();
  }

  /** How many answers were sent since start or the last reset. */
  public synchronized int answered() {
    return answers.size();
  }

  /** Every answer sent since start or the last reset, in the order sent. */
  public synchronized List<Answer> answers() {
    return List.copyOf(answers);
  }

  synchronized void reset() {
    peak.set(current.get());
    answers.clear();
  }
}
