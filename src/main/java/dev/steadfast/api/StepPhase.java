package dev.steadfast.api;

/** Lifecycle phase of a step or of one forEach item. */
public enum StepPhase {
  Pending,
  Running,
  Waiting,
  Succeeded,
  Failed,
  Skipped;

  public boolean isFinal() {
    return this == Succeeded || this == Failed || this == Skipped;
  }
}
