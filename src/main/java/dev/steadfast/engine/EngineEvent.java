package dev.steadfast.engine;

/**
 * Something a person may want to know, in the vocabulary of docs/events.md (StepStarted,
 * StepRetrying, FallbackUsed, CircuitOpened, ...). The operator records them as Kubernetes events;
 * `steadfast run` prints one progress line each.
 */
public record EngineEvent(boolean warning, EventType type, String step, String message) {
  public static EngineEvent normal(EventType type, String step, String message) {
    return new EngineEvent(false, type, step, message);
  }

  public static EngineEvent warning(EventType type, String step, String message) {
    return new EngineEvent(true, type, step, message);
  }

  /** The event's reason as Kubernetes and `steadfast run` spell it. */
  public String reason() {
    return type.name();
  }
}
