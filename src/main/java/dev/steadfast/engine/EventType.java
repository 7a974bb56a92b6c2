package dev.steadfast.engine;

/**
 * The reasons of the events the engine and its drivers emit (docs/status.md and the few they add).
 * The constant's name is the Kubernetes event reason and the word `steadfast run` prints, so {@code
 * name()} is the exact spelling.
 */
public enum EventType {
  StepStarted,
  StepSucceeded,
  StepRetrying,
  StepFailed,
  StepSkipped,
  FallbackUsed,
  CircuitOpened,
  CircuitClosed,
  /** A unit met an open breaker (it tries the next fallback, or waits). */
  CircuitOpen,
  LoopDetected,
  FatalError,
  Resumed,
  Suspended,
  /** A model call could take the task over spec.budget; the task is suspended before it. */
  BudgetExhausted,
  Succeeded,
  Failed,
  SpecChanged,
  Retrying,
  AgentIteration,
  ToolFailed,
  ItemFailed,
  CheckpointFailed,
  StatusTooLarge,
  Forked
}
