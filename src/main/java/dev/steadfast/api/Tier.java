package dev.steadfast.api;

/** The error taxonomy's tiers. */
public enum Tier {
  /** Retried with backoff. */
  Transient,
  /** Handled specifically (truncate, repair, fallbacks). */
  Recoverable,
  /** Stops the step and tells a person. */
  Fatal
}
