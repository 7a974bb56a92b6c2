package dev.steadfast.local;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.EngineEvent;
import dev.steadfast.engine.EventType;
import dev.steadfast.engine.TaskEngine;
import java.util.List;

/**
 * `steadfast run --retry` (docs/cli.md): locally what the steadfast.dev/retry annotation does in a
 * cluster — a failed task runs again from its checkpoint, its failed steps with a fresh budget. The
 * operator makes the same engine call on the annotation (AgentTaskReconciler.humanIntervention), so
 * both drivers retry alike.
 */
final class LocalRetry {
  private LocalRetry() {}

  static List<EngineEvent> apply(TaskEngine engine, AgentTaskStatus status) {
    if (status.phase != TaskPhase.Failed) {
      String phase = status.phase == null ? "new" : status.phase.name();
      return List.of(
          EngineEvent.normal(
              EventType.Retrying,
              null,
              "--retry: the task is " + phase + ", not Failed; nothing to retry"));
    }
    engine.retryFailed(status);
    return List.of(
        EngineEvent.normal(
            EventType.Retrying,
            status.currentStep,
            "retry requested by --retry, from the checkpoint"));
  }
}
