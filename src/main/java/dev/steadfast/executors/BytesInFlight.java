package dev.steadfast.executors;

import java.net.SocketTimeoutException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The bytes of response bodies a process may hold at once, shared by every attempt: however many
 * attempts read at the same time, their bodies together stay under this budget. An attempt reserves
 * as its bytes arrive and gives everything back when its body has been read or refused. When the
 * budget is spent, a read waits for other bodies to be done, at most until its own deadline: bodies
 * are read in milliseconds, so a short wait beats failing an innocent task, and a wait that
 * outlasts the deadline is a Transient {@code Timeout} that says why.
 */
public final class BytesInFlight {
  /** 64 MiB: the default of {@code --max-bytes-in-flight}. */
  public static final long DEFAULT_BYTES = 64L * 1024 * 1024;

  /** The budget ran out and the deadline passed while waiting for it. */
  public static final class ExhaustedException extends SocketTimeoutException {
    ExhaustedException(long budget) {
      super(
          "waited until the deadline for memory to read the response body: the operator's"
              + " budget for bodies in flight ("
              + Sizes.format(budget)
              + ", --max-bytes-in-flight) is in use by other attempts");
    }
  }

  // Fair: a large body first in line is not overtaken forever by small ones.
  private final Semaphore bytes;
  private final int budget;
  private final java.util.concurrent.atomic.AtomicLong peak =
      new java.util.concurrent.atomic.AtomicLong();

  public BytesInFlight(long budget) {
    if (budget < 1 || budget > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "--max-bytes-in-flight must be between 1 and " + Integer.MAX_VALUE + " bytes");
    }
    this.budget = (int) budget;
    this.bytes = new Semaphore(this.budget, true);
  }

  /** A budget no real process reaches: tests and tools that bound nothing but one body. */
  public static BytesInFlight unbounded() {
    return new BytesInFlight(Integer.MAX_VALUE);
  }

  public long budget() {
    return budget;
  }

  /** Bytes reserved right now by all attempts. */
  public long inUse() {
    return budget - bytes.availablePermits();
  }

  /**
   * The most bytes reserved at once since this budget was made (read after each reservation grows,
   * so no sampling can miss it).
   */
  public long peakInUse() {
    return peak.get();
  }

  /** A new, empty reservation; close it to give its bytes back. */
  public Reservation reserve() {
    return new Reservation();
  }

  /** What one body holds of the budget. Used by one thread. */
  public final class Reservation implements AutoCloseable {
    private long held;

    private Reservation() {}

    /** Bytes held. */
    public long held() {
      return held;
    }

    /**
     * Holds at least {@code total} bytes, waiting for them at most until {@code deadlineNanos}
     * ({@link System#nanoTime()}).
     *
     * @throws ExhaustedException when the deadline passes first
     */
    public void growTo(long total, long deadlineNanos)
        throws InterruptedException, ExhaustedException {
      if (total <= held) {
        return;
      }
      int more = (int) Math.min(total - held, budget);
      long wait = Math.max(0, deadlineNanos - System.nanoTime());
      if (!bytes.tryAcquire(more, wait, TimeUnit.NANOSECONDS)) {
        throw new ExhaustedException(budget);
      }
      held += more;
      peak.accumulateAndGet(inUse(), Math::max);
    }

    @Override
    public void close() {
      if (held > 0) {
        bytes.release((int) held);
        held = 0;
      }
    }
  }
}
