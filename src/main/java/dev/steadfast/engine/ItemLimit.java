package dev.steadfast.engine;

import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.Failure;

/**
 * How many items one forEach step may have (--max-items). Each item is a unit with its own
 * checkpoint entry, so an unbounded list would grow the status past what the API server stores and
 * the operator's memory with it; a longer list fails the step Fatal {@code InvalidSpec} before any
 * item runs.
 */
public final class ItemLimit {
  public static final int DEFAULT = 10_000;

  private ItemLimit() {}

  /** A Fatal InvalidSpec when {@code size} is over {@code limit}, else null. */
  static Failure check(String step, int size, int limit) {
    if (size <= limit) {
      return null;
    }
    return Failure.of(
        Tier.Fatal,
        Reason.InvalidSpec.name(),
        step
            + ": forEach.items yields "
            + size
            + " items, over the limit of "
            + limit
            + " (--max-items); split the work into several tasks or steps");
  }
}
