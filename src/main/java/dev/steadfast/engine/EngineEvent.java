package dev.steadfast.engine;

/**
 * Something a person may want to know, in SPEC §3's vocabulary (StepStarted, StepRetrying,
 * FallbackUsed, CircuitOpened, ...). The operator records them as Kubernetes events; `steadfast
 * run` prints one progress line each.
 */
public record EngineEvent(boolean warning, String reason, String step, String message) {
  public static EngineEvent normal(String reason, String step, String message) {
    return new EngineEvent(false, reason, step, message);
  }

  public static EngineEvent warning(String reason, String step, String message) {
    return new EngineEvent(true, reason, step, message);
  }
}
