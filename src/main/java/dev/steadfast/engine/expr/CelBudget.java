package dev.steadfast.engine.expr;

import java.util.function.Supplier;

/**
 * A CEL budget shared by every evaluation of one piece of work, such as one decision of the task
 * engine, on top of the budget of each evaluation: a spec of a thousand expressions, each just
 * under {@link CelCost#RUNTIME_LIMIT}, must not hold a reconcile thread for minutes either.
 */
public final class CelBudget {
  private static final ThreadLocal<long[]> REMAINING = new ThreadLocal<>();

  private CelBudget() {}

  /**
   * Runs {@code work} with at most {@code limit} CEL cost for all its evaluations on this thread;
   * inside a scope already open, the outer budget goes on counting.
   */
  public static <T> T scope(long limit, Supplier<T> work) {
    if (REMAINING.get() != null) {
      return work.get();
    }
    REMAINING.set(new long[] {limit, limit});
    try {
      return work.get();
    } finally {
      REMAINING.remove();
    }
  }

  /** The open scope's {remaining, limit}, or null outside any scope. */
  static long[] current() {
    return REMAINING.get();
  }
}
