package dev.steadfast.engine;

import dev.steadfast.api.AgentTaskSpec;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Checkpoint;
import dev.steadfast.api.Step;
import dev.steadfast.api.StepCheckpoint;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Keeps the checkpoint in line with the spec. A finished step whose definition (and the inputs it
 * may read) did not change keeps its output; from the first changed step on, everything re-runs.
 */
public final class Checkpoints {
  private Checkpoints() {}

  /**
   * The drivers' clock: the system's, to the millisecond. A status holds a few dozen times, and
   * nanoseconds (".465639362Z") would add six characters to each of them on every write for a
   * precision nobody reads.
   */
  public static Clock systemClock() {
    return Clock.tick(Clock.systemUTC(), Duration.ofMillis(1));
  }

  /**
   * @param specHash the spec's {@link #specDigest}, which the caller may have from an earlier call
   *     on the same generation
   */
  static List<EngineEvent> prepare(
      TaskRef task, AgentTaskStatus status, Instant now, String specHash) {
    List<EngineEvent> events = new ArrayList<>();
    if (status.checkpoint == null) {
      status.checkpoint = new Checkpoint();
    }
    Checkpoint cp = status.checkpoint;
    if (cp.runId == null) {
      cp.runId = task.uid() != null ? task.uid() : UUID.randomUUID().toString();
    }
    if (sameDigest(specHash, cp.specHash) && cp.steps.size() == task.spec().steps.size()) {
      boolean started = status.attempts != null && status.attempts > 0;
      if (started && status.phase != null && !status.phase.isFinal()) {
        events.add(
            EngineEvent.normal(
                EventType.Resumed, status.currentStep, "resuming from the checkpoint"));
      }
      return events;
    }
    boolean changed = cp.specHash != null;
    List<StepStatus> steps = new ArrayList<>();
    List<StepCheckpoint> checkpoints = new ArrayList<>();
    boolean keep = true;
    for (Step step : task.spec().steps) {
      String hash = Json.sha256(Map.of("step", step, "inputs", String.valueOf(task.spec().inputs)));
      StepCheckpoint old =
          cp.steps.stream().filter(s -> s.name.equals(step.name)).findFirst().orElse(null);
      StepStatus oldStatus =
          status.steps.stream().filter(s -> s.name.equals(step.name)).findFirst().orElse(null);
      keep =
          keep
              && old != null
              && oldStatus != null
              && sameDigest(hash, old.definitionHash)
              && (oldStatus.phase == StepPhase.Succeeded || oldStatus.phase == StepPhase.Skipped);
      if (keep) {
        steps.add(oldStatus);
        checkpoints.add(old);
      } else {
        steps.add(new StepStatus(step.name));
        checkpoints.add(new StepCheckpoint(step.name, stored(hash)));
      }
    }
    status.steps = steps;
    cp.steps = checkpoints;
    cp.specHash = stored(specHash);
    if (changed) {
      status.phase = TaskPhase.Pending;
      status.completedAt = null;
      status.nextAttemptAt = null;
      events.add(
          EngineEvent.normal(
              EventType.SpecChanged,
              null,
              "spec changed; finished steps that did not change keep their outputs"));
    }
    return events;
  }

  /**
   * The checkpoint keeps the first 128 bits of a SHA-256 digest (32 hex digits): plenty to tell a
   * changed definition from the same one, and half the bytes on every write of the task.
   */
  static final int STORED_DIGEST_CHARS = 32;

  static String stored(String digest) {
    return digest.substring(0, Math.min(STORED_DIGEST_CHARS, digest.length()));
  }

  /**
   * Whether a stored digest is that of {@code digest}: its first 32 hex digits, or all 64 as
   * checkpoints written before kept them, so an upgrade re-runs nothing.
   */
  static boolean sameDigest(String digest, String stored) {
    return stored != null && stored.length() >= STORED_DIGEST_CHARS && digest.startsWith(stored);
  }

  /**
   * The digest the checkpoint records of the spec: of all of it but the fields a person flips while
   * the task runs (suspend, budget), which change no step's definition. Suspending or resuming a
   * task, or changing its budget, is not a change of its work: a raised budget resumes the held
   * step where it stopped instead of running it afresh.
   */
  static String specDigest(AgentTaskSpec spec) {
    return Json.sha256(withoutControls(spec));
  }

  private static AgentTaskSpec withoutControls(AgentTaskSpec spec) {
    AgentTaskSpec copy = Json.copy(spec, AgentTaskSpec.class);
    copy.suspend = null;
    copy.budget = null;
    return copy;
  }

  /**
   * After a person fixed the cause of a failure: the failed steps get a fresh attempt budget, and
   * so does the task (maxTotalAttempts counts attempts from now, the deadline runs from {@code
   * now}: docs/cli.md), and it runs again from its checkpoint (finished steps are kept).
   */
  static void retryFailed(AgentTaskStatus status, Instant now) {
    if (status.checkpoint == null) {
      status.checkpoint = new Checkpoint();
    }
    // status.attempts stays the task's total (the Attempts column); the budget counts from here.
    status.checkpoint.attemptsBeforeBudget = status.attempts == null ? 0 : status.attempts;
    status.checkpoint.budgetSince = now.toString();
    for (int i = 0; i < status.steps.size(); i++) {
      StepStatus ss = status.steps.get(i);
      if (ss.phase == StepPhase.Failed) {
        ss.phase = StepPhase.Pending;
        ss.completedAt = null;
        // Units keep their attempt count: the retry is a new attempt with a new Idempotency-Key.
        status.checkpoint.steps.get(i).units.forEach(Units::retry);
      }
    }
    status.phase = TaskPhase.Pending;
    status.completedAt = null;
  }
}
