package dev.steadfast.engine.status;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Condition;
import dev.steadfast.api.TaskPhase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The one place conditions are derived from a task's phase, following kstatus: Ready (True when
 * Succeeded), Reconciling (True while Pending/Running/Waiting), Stalled (True when Failed, reason =
 * the fatal reason) and Degraded (True when a fallback or tolerated failure was used). {@code
 * lastTransitionTime} only changes when a condition's status flips.
 */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";
  public static final String DEGRADED = "Degraded";

  private Conditions() {}

  /**
   * Recomputes the four conditions on {@code status}.
   *
   * @param failureReason the fatal reason when the phase is Failed (for example InvalidSpec)
   * @param degradedReason FallbackUsed, PartialFailure, or null when not degraded
   */
  public static void aggregate(
      AgentTaskStatus status,
      Long generation,
      String failureReason,
      String degradedReason,
      Instant now) {
    aggregate(status, generation, failureReason, degradedReason, null, now);
  }

  /**
   * As above; {@code waitReason} (RateLimited, CircuitOpen, ...) becomes the Reconciling reason
   * while the task waits.
   */
  public static void aggregate(
      AgentTaskStatus status,
      Long generation,
      String failureReason,
      String degradedReason,
      String waitReason,
      Instant now) {
    TaskPhase phase = status.phase == null ? TaskPhase.Pending : status.phase;
    String message = status.message == null ? "" : status.message;
    List<Condition> next = new ArrayList<>();
    next.add(
        phase == TaskPhase.Succeeded
            ? make(READY, true, "Succeeded", message)
            : make(READY, false, phase.name(), message));
    boolean reconciling =
        phase == TaskPhase.Pending || phase == TaskPhase.Running || phase == TaskPhase.Waiting;
    String progress = phase == TaskPhase.Waiting && waitReason != null ? waitReason : phase.name();
    // A task held by its budget says so where kstatus tools look (Stalled False: a person may
    // raise the budget, nothing failed).
    String suspendReason = waitReason != null ? waitReason : "Suspended";
    next.add(
        make(
            RECONCILING,
            reconciling,
            reconciling ? progress : phase == TaskPhase.Suspended ? suspendReason : "Idle",
            reconciling ? message : ""));
    next.add(
        phase == TaskPhase.Failed
            ? make(STALLED, true, failureReason == null ? "Failed" : failureReason, message)
            : make(
                STALLED, false, phase == TaskPhase.Suspended ? suspendReason : "Progressing", ""));
    next.add(
        degradedReason != null
            ? make(DEGRADED, true, degradedReason, message)
            : make(DEGRADED, false, "AsDesigned", ""));
    for (Condition c : next) {
      c.observedGeneration = generation;
      Condition old = find(status.conditions, c.type);
      c.lastTransitionTime =
          old != null && Objects.equals(old.status, c.status) && old.lastTransitionTime != null
              ? old.lastTransitionTime
              : now.toString();
    }
    status.conditions = next;
  }

  public static Condition find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> type.equals(c.type)).findFirst().orElse(null);
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    Condition c = find(conditions, type);
    return c != null && "True".equals(c.status);
  }

  private static Condition make(String type, boolean value, String reason, String message) {
    Condition c = new Condition();
    c.type = type;
    c.status = value ? "True" : "False";
    c.reason = reason;
    c.message = message == null || message.isEmpty() ? null : message;
    return c;
  }
}
