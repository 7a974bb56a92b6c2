package dev.steadfast.engine;

/**
 * Why an attempt, a step or a task failed or waits: the reasons of the error taxonomy
 * (docs/errors.md) and the few the engine and its drivers add. The constant's name is the spelling
 * in status, events and metrics, so {@code name()} is what a user reads.
 */
public enum Reason {
  // docs/errors.md, Transient
  NetworkError,
  Timeout,
  ServerError,
  Overloaded,
  RateLimited,
  Evicted,
  // docs/errors.md, Recoverable
  ContextOverflow,
  InvalidRequest,
  InvalidOutput,
  PartialFailure,
  OutOfMemory,
  // docs/errors.md, Fatal
  QuotaExhausted,
  Unauthorized,
  Forbidden,
  NotFound,
  SecretNotFound,
  ImagePullFailed,
  LoopDetected,
  DeadlineExceeded,
  InvalidSpec,
  // Tenancy and safety (docs/security.md)
  SecretNotAllowed,
  ServiceAccountNotAllowed,
  EgressDenied,
  // The Degraded condition (docs/tasks.md): a fallback produced an output
  FallbackUsed,
  // What the engine and drivers add
  /** A unit waits because its circuit breaker is open. */
  CircuitOpen,
  /** The task is held: its next model call could take it over spec.budget. */
  BudgetExhausted,
  /** A cache fallback found no stored output for the request. */
  CacheMiss,
  OutputTooLarge,
  OutputConflict,
  StatusTooLarge,
  CheckpointFailed,
  /** A fork's source task (the steadfast.dev/fork-of annotation) is not in its namespace. */
  ForkSourceNotFound;

  /** True when {@code reason} (a status or failure string) is this reason. */
  public boolean is(String reason) {
    return name().equals(reason);
  }
}
