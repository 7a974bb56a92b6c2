package dev.steadfast.operator;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * JOSDK's reconcile threads, with one change to its first-come queue: a reconcile asked for by an
 * answered call (to fold it into the checkpoint) runs before reconciles already waiting. When a
 * thousand tasks are created at once, a thousand first reconciles queue up; an answer queued behind
 * them would wait many seconds before it is on disk, and a crash meanwhile would pay for the call
 * again. Answers waiting are at most --max-concurrent-steps, so they cannot starve the rest.
 *
 * <p>JOSDK hands a reconcile to the executor on the thread that reported the event, so the attempt
 * thread marks its report {@link #urgently}. An answer that arrives while its task is being
 * reconciled is handed over by the reconcile thread itself when that reconcile ends: the reconcile
 * marks it with {@link #followUpUrgently} when answers are waiting to be folded, so that one goes
 * ahead too.
 */
final class ReconcileThreads {
  private static final ThreadLocal<Boolean> URGENT = new ThreadLocal<>();

  private ReconcileThreads() {}

  /** Runs {@code report}; a reconcile it hands to these threads goes ahead of waiting ones. */
  static void urgently(Runnable report) {
    URGENT.set(Boolean.TRUE);
    try {
      report.run();
    } finally {
      URGENT.remove();
    }
  }

  /**
   * Called on a reconcile thread during a reconcile: the reconcile JOSDK hands over when this one
   * ends (an event arrived meanwhile) goes ahead of waiting ones. Lasts until the end of the work
   * this thread is running.
   */
  static void followUpUrgently() {
    URGENT.set(Boolean.TRUE);
  }

  /** A fixed pool of {@code threads}, urgent work first, otherwise in the order handed over. */
  static ExecutorService create(int threads) {
    return new Prioritised(threads);
  }

  private static final class Prioritised extends ThreadPoolExecutor {
    private final AtomicLong order = new AtomicLong();

    Prioritised(int threads) {
      super(threads, threads, 0, TimeUnit.MILLISECONDS, new PriorityBlockingQueue<>(), names());
    }

    @Override
    public void execute(Runnable command) {
      boolean urgent = Boolean.TRUE.equals(URGENT.get());
      super.execute(new Ranked(command, urgent, order.incrementAndGet()));
    }
  }

  private record Ranked(Runnable work, boolean urgent, long order)
      implements Runnable, Comparable<Ranked> {
    @Override
    public void run() {
      // A mark set by the previous work on this thread never leaks into this one.
      URGENT.remove();
      try {
        work.run();
      } finally {
        URGENT.remove();
      }
    }

    @Override
    public int compareTo(Ranked other) {
      if (urgent != other.urgent) {
        return urgent ? -1 : 1;
      }
      return Long.compare(order, other.order);
    }
  }

  private static ThreadFactory names() {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "reconcile-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
