package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.EngineEvent;
import dev.steadfast.engine.EventType;
import dev.steadfast.engine.TaskEngine;
import dev.steadfast.engine.TaskRef;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.status.Conditions;
import java.util.List;

/**
 * A status too large to store (see {@link StatusTooLargeException}): what is dropped from it, and
 * how the task is failed for it.
 */
final class OversizedStatus {
  private final TaskEngine engine;
  private final EventRecorder recorder;

  OversizedStatus(TaskEngine engine, EventRecorder recorder) {
    this.engine = engine;
    this.recorder = recorder;
  }

  /**
   * Drops the per-item checkpoints (then, if that was not enough, the inline outputs) and fails the
   * task StatusTooLarge, keeping a reason it had already.
   *
   * @throws StatusTooLargeException when nothing is left to drop
   */
  void shrinkAndFail(
      AgentTask task, AgentTaskStatus status, List<EngineEvent> events, StatusTooLargeException e) {
    boolean unitsGone =
        status.checkpoint == null
            || status.checkpoint.steps.stream().allMatch(cp -> cp.units.isEmpty());
    if (unitsGone && status.steps.stream().allMatch(s -> s.output == null)) {
      // Nothing left to drop: the spec itself leaves no room for a status. JOSDK's retry gives up
      // after its few attempts; nothing is sent meanwhile.
      recorder.record(
          task,
          EngineEvent.warning(EventType.CheckpointFailed, status.currentStep, e.getMessage()));
      throw e;
    }
    StatusTooLargeException.shrink(status, unitsGone);
    if (status.phase != TaskPhase.Failed) {
      engine.fail(
          TaskRef.of(task, null),
          status,
          Failure.of(Tier.Fatal, StatusTooLargeException.REASON, e.getMessage()),
          events);
    } else if (events.stream().noneMatch(ev -> ev.type() == EventType.StatusTooLarge)
        && !StatusTooLargeException.REASON.equals(reason(status))) {
      // Failed already, for its own reason, which stays; say why its checkpoints are gone.
      events.add(EngineEvent.warning(EventType.StatusTooLarge, status.currentStep, e.getMessage()));
    }
  }

  private static String reason(AgentTaskStatus status) {
    var stalled = Conditions.find(status.conditions, Conditions.STALLED);
    return stalled == null ? null : stalled.reason;
  }
}
