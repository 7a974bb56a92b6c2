package dev.steadfast.engine;

import dev.steadfast.api.StepCheckpoint;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.UnitCheckpoint;
import java.util.Objects;

/**
 * The unit checkpoint's transitions that more than one collaborator makes: a unit moves to its next
 * action, to its next fallback, back to the step itself on a retry, or fails with its task.
 */
final class Units {
  private Units() {}

  static UnitCheckpoint find(StepCheckpoint cp, Integer item) {
    for (UnitCheckpoint u : cp.units) {
      if (Objects.equals(u.index, item)) {
        return u;
      }
    }
    return null;
  }

  /** "item 3: " for a forEach item, "" for a plain step: the prefix of the unit's messages. */
  static String label(UnitCheckpoint unit) {
    return unit.index == null ? "" : "item " + unit.index + ": ";
  }

  static int inc(Integer n) {
    return n == null ? 1 : n + 1;
  }

  /**
   * A unit moves on to its next action (the next model call, or the next tool call of an agent):
   * that action gets the retry budget afresh.
   */
  static void nextAction(UnitCheckpoint unit) {
    freshBudget(unit);
    unit.phase = StepPhase.Pending;
    unit.nextAttemptAt = null;
    unit.waitReason = null;
  }

  /** The unit moves to its next fallback, which starts with nothing of the previous stage. */
  static void nextStage(UnitCheckpoint unit) {
    unit.stage++;
    freshBudget(unit);
    unit.repairs = null;
    unit.truncations = null;
    unit.transcript = null;
    unit.stageStartedAt = null;
    unit.nextAttemptAt = null;
    unit.phase = StepPhase.Pending;
  }

  /** A retry requested by a person: a failed unit starts again from the step itself. */
  static void retry(UnitCheckpoint unit) {
    if (unit.phase == StepPhase.Failed) {
      nextStage(unit);
      unit.stage = 0;
    }
  }

  /** The task failed: nothing of the unit runs or waits any more. */
  static void stop(UnitCheckpoint unit) {
    unit.inFlight = null;
    unit.nextAttemptAt = null;
    if (!unit.phase.isFinal()) {
      unit.phase = StepPhase.Failed;
    }
  }

  /** The unit's outputs cannot be kept: they are dropped, so a retry runs it again. */
  static void discard(UnitCheckpoint unit) {
    unit.output = null;
    unit.outputRef = null;
    unit.transcript = null;
    unit.transcriptRef = null;
    unit.phase = StepPhase.Failed;
  }

  /**
   * The unit's step succeeded: it keeps what it came to (phase, attempts, the fallback that
   * produced its output, an agent's transcript) and drops what only an unfinished unit needs. Its
   * output lives on in the step's output (a Succeeded step is never reopened: a retry runs failed
   * steps, a spec change starts the step afresh), so the checkpoint does not hold it twice. A
   * reference to where the operator stored a large one stays: that ConfigMap is still the unit's.
   */
  static void settle(UnitCheckpoint unit) {
    unit.output = null;
    unit.lastError = null;
    unit.stage = 0;
    unit.stageStartedAt = null;
    unit.nextAttemptAt = null;
    unit.waitReason = null;
    unit.inFlight = null;
    unit.repairs = null;
    unit.truncations = null;
    freshBudget(unit);
  }

  private static void freshBudget(UnitCheckpoint unit) {
    unit.stageAttempts = 0;
    unit.transientRetries = null;
    unit.rateLimitRetries = null;
    unit.lastFingerprint = null;
    unit.identicalFailures = null;
  }
}
