package dev.steadfast.api;

/** Lifecycle phase of a task. */
public enum TaskPhase {
  Pending,
  Running,
  Waiting,
  Suspended,
  Succeeded,
  Failed;

  public boolean isFinal() {
    return this == Succeeded || this == Failed;
  }
}
