package dev.steadfast.engine;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.ErrorInfo;
import dev.steadfast.api.StepCheckpoint;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.format.GoDuration;
import dev.steadfast.engine.status.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Derives the task-level fields (phase, current step, message, nextAttemptAt, conditions). */
final class Summary {
  private Summary() {}

  static void update(TaskRef task, AgentTaskStatus status, Instant now, boolean suspended) {
    List<StepStatus> steps = status.steps;
    StepStatus current = steps.stream().filter(s -> !s.phase.isFinal()).findFirst().orElse(null);
    StepStatus failed =
        steps.stream()
            .filter(s -> s.phase == StepPhase.Failed && !continues(task, s))
            .findFirst()
            .orElse(null);
    Instant next = null;
    boolean running = false;
    boolean waiting = false;
    boolean held = false;
    String waitReason = null;
    if (current != null) {
      StepCheckpoint cp = status.checkpoint.steps.get(steps.indexOf(current));
      for (UnitCheckpoint u : cp.units) {
        running |= u.inFlight != null;
        held |= !u.phase.isFinal() && Reason.BudgetExhausted.is(u.waitReason);
        if (u.nextAttemptAt != null && !u.phase.isFinal()) {
          waiting = true;
          waitReason = waitReason == null ? u.waitReason : waitReason;
          Instant t = Instant.parse(u.nextAttemptAt);
          next = next == null || t.isBefore(next) ? t : next;
        }
      }
    }
    if (status.phase == TaskPhase.Failed || failed != null) {
      status.phase = TaskPhase.Failed;
      StepStatus at =
          failed != null
              ? failed
              : steps.stream().filter(s -> s.lastError != null).reduce((a, b) -> b).orElse(null);
      status.currentStep = at == null ? null : at.name;
      ErrorInfo e = at == null ? null : at.lastError;
      status.message =
          e == null
              ? "failed"
              : at.name
                  + ": "
                  + e.reason
                  + (e.code == null ? "" : " (" + e.code + ")")
                  + ": "
                  + e.message;
      next = null;
    } else if (current == null) {
      status.phase = TaskPhase.Succeeded;
      status.currentStep = steps.isEmpty() ? null : steps.get(steps.size() - 1).name;
      long degraded = steps.stream().filter(s -> Boolean.TRUE.equals(s.degraded)).count();
      status.message =
          "all "
              + steps.size()
              + " steps finished"
              + (degraded > 0 ? " (" + degraded + " degraded)" : "");
    } else {
      status.currentStep = current.name;
      if (suspended) {
        status.phase = TaskPhase.Suspended;
        status.message = "suspended at " + current.name;
      } else if (held && !running && !waiting && status.checkpoint.budgetHeld != null) {
        // Budgets pause, they do not fail (docs/cost.md): nothing runs until the budget is raised.
        status.phase = TaskPhase.Suspended;
        status.message = current.name + ": " + status.checkpoint.budgetHeld;
        waitReason = Reason.BudgetExhausted.name();
      } else if (running) {
        status.phase = TaskPhase.Running;
        status.message = current.name + ": running" + itemText(current);
      } else if (waiting) {
        status.phase = TaskPhase.Waiting;
        ErrorInfo e = current.lastError;
        String why =
            Reason.CircuitOpen.is(waitReason) || e == null
                ? String.valueOf(waitReason)
                : e.reason + (e.code == null ? "" : " (" + e.code + ")");
        status.message =
            current.name
                + ": "
                + why
                + ", next attempt in "
                + GoDuration.format(Duration.between(now, next));
      } else {
        status.phase =
            current.phase == StepPhase.Pending && (status.attempts == null || status.attempts == 0)
                ? TaskPhase.Pending
                : TaskPhase.Running;
        status.message = current.name + ": " + current.phase.name().toLowerCase();
      }
    }
    if (!held && status.checkpoint != null) {
      status.checkpoint.budgetHeld = null;
    }
    if (current != null && status.phase == TaskPhase.Suspended && held && !suspended) {
      current.phase = StepPhase.Waiting;
    } else if (current != null && !suspended) {
      current.phase =
          running
              ? StepPhase.Running
              : waiting
                  ? StepPhase.Waiting
                  : current.phase == StepPhase.Pending ? StepPhase.Pending : StepPhase.Running;
    }
    status.nextAttemptAt = next == null ? null : next.toString();
    if (status.phase.isFinal() && status.completedAt == null) {
      status.completedAt = now.toString();
    }
    status.observedGeneration = task.generation();
    String failure = status.phase == TaskPhase.Failed ? failureReason(status) : null;
    if (status.phase == TaskPhase.Suspended && !Reason.BudgetExhausted.is(waitReason)) {
      waitReason = null; // spec.suspend: the conditions say Suspended, not why a unit waited
    }
    Conditions.aggregate(
        status, task.generation(), failure, degradedReason(status), waitReason, now);
  }

  /**
   * The status of a task whose spec does not validate: Failed, Stalled with InvalidSpec, the
   * problems as the message. Nothing of it runs, so nothing else of the status changes.
   */
  static void invalidSpec(AgentTaskStatus status, Long generation, String problems, Instant now) {
    status.phase = TaskPhase.Failed;
    status.message = Errors.truncate(Reason.InvalidSpec.name() + ": " + problems);
    status.observedGeneration = generation;
    Conditions.aggregate(status, generation, Reason.InvalidSpec.name(), null, now);
  }

  private static String itemText(StepStatus s) {
    return s.items == null
        ? ""
        : " (" + (s.items.succeeded + s.items.failed) + "/" + s.items.total + " items done)";
  }

  private static boolean continues(TaskRef task, StepStatus s) {
    return task.spec().steps.stream()
        .anyMatch(st -> st.name.equals(s.name) && Boolean.TRUE.equals(st.continueOnFailure));
  }

  static String failureReason(AgentTaskStatus status) {
    return status.steps.stream()
        .filter(s -> s.phase == StepPhase.Failed && s.lastError != null)
        .map(s -> s.lastError.reason)
        .reduce((a, b) -> b)
        .orElse("Failed");
  }

  static String degradedReason(AgentTaskStatus status) {
    // A forEach step whose items used fallbacks says fallback "items": docs/tasks.md, any fallback
    // used
    // makes the task Degraded with FallbackUsed; tolerated failed items make it PartialFailure.
    boolean fallback = status.steps.stream().anyMatch(s -> s.fallback != null);
    boolean partial =
        status.steps.stream()
            .anyMatch(
                s ->
                    Boolean.TRUE.equals(s.degraded)
                        && s.items != null
                        && s.items.failed != null
                        && s.items.failed > 0);
    boolean continued =
        status.phase != TaskPhase.Failed
            && status.steps.stream().anyMatch(s -> s.phase == StepPhase.Failed);
    return fallback
        ? Reason.FallbackUsed.name()
        : partial || continued ? Reason.PartialFailure.name() : null;
  }
}
