package dev.steadfast.local;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.StepCheckpoint;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.EngineEvent;
import dev.steadfast.engine.EventType;
import dev.steadfast.engine.Reason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Progress lines the engine has no event for, read from the checkpoint as it changes: a unit that
 * starts waiting on an open breaker (no attempt is spent, so no StepRetrying line says it), and a
 * forEach item that fails (the step goes on with its other items, so no StepFailed line says it).
 */
final class UnitWatch {
  private final Map<String, String> seen = new HashMap<>();

  /** What changed since the last call; the first call only takes note (a resumed run's past). */
  List<EngineEvent> changes(AgentTaskStatus status, boolean report) {
    List<EngineEvent> events = new ArrayList<>();
    if (status.checkpoint == null || status.checkpoint.steps == null) {
      return events;
    }
    for (StepCheckpoint step : status.checkpoint.steps) {
      for (UnitCheckpoint u : step.units) {
        String key = step.name + "/" + u.index;
        String state = u.phase + "/" + u.waitReason + "/" + u.nextAttemptAt;
        if (state.equals(seen.put(key, state)) || !report) {
          continue;
        }
        String item = u.index == null ? "" : "item " + u.index + ": ";
        if (u.phase == StepPhase.Waiting && Reason.CircuitOpen.is(u.waitReason)) {
          events.add(
              EngineEvent.warning(
                  EventType.CircuitOpen,
                  step.name,
                  item
                      + "the breaker is open; waiting until "
                      + u.nextAttemptAt
                      + " to try again"));
        } else if (u.phase == StepPhase.Failed && u.index != null) {
          String why =
              u.lastError == null ? "failed" : u.lastError.reason + ": " + u.lastError.message;
          events.add(EngineEvent.warning(EventType.ItemFailed, step.name, item + why));
        }
      }
    }
    return events;
  }
}
