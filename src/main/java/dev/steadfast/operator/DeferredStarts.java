package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.engine.format.Json;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Statuses whose only news is that attempts started, held in memory instead of written, for at most
 * {@link #BOUND}: if an attempt answers (or anything else needs writing) meanwhile, one write
 * records both; otherwise the write happens when the bound is reached.
 *
 * <p>Nothing a restart needs is lost by holding them. An attempt's number, hence its
 * Idempotency-Key, is the unit's checkpointed attempt count plus one, so an operator that restarts
 * before the write starts the same attempt again with the same key, as it re-sends one that was
 * recorded in flight and never answered. The attempt budget counts it once, as one attempt.
 *
 * <p>A held status is only continued from while the task still has the status it was built on: a
 * status written by anyone else since (a second replica, a person) drops it, and the reconcile
 * starts from the stored one; the write that follows carries the resourceVersion read, so it can
 * never put a checkpoint older than the stored one back.
 */
final class DeferredStarts {
  /**
   * How long a status that only says "started" may wait. Long enough that a typical model call
   * (hundreds of milliseconds) answers within it, so a one-step task costs one status write instead
   * of two (about 150 status writes a second is what a small API server takes, and at
   * --max-concurrent-steps 64 with 200 ms calls the second write was the limit); short enough that
   * a person watching `kubectl get agenttasks -w` sees Running within a second of the first call
   * being sent, as with any watch.
   */
  static final Duration BOUND = Duration.ofSeconds(1);

  /** A status not written yet, the task it was built on, and when it must be written. */
  private record Held(AgentTaskStatus status, AgentTask base, Instant due) {}

  private final Map<ResourceID, Held> held = new ConcurrentHashMap<>();

  /**
   * A working copy of the status held for the task, or null when none is held or the task's status
   * changed since it was built on it (then it is dropped).
   */
  AgentTaskStatus resume(AgentTask task) {
    ResourceID id = ResourceID.fromResource(task);
    Held h = held.get(id);
    if (h == null) {
      return null;
    }
    if (!sameStatus(h.base(), task)) {
      held.remove(id);
      return null;
    }
    // A copy: a reconcile that fails to write folds its outcomes again on the held status.
    return Json.copy(h.status(), AgentTaskStatus.class);
  }

  /** When the status held for the task must be written, or null when none is held. */
  Instant due(AgentTask task) {
    Held h = held.get(ResourceID.fromResource(task));
    return h == null ? null : h.due();
  }

  /** Holds {@code status}, built on {@code task}'s status, until {@code due}. */
  void hold(AgentTask task, AgentTaskStatus status, Instant due) {
    held.put(ResourceID.fromResource(task), new Held(status, task, due));
  }

  /** The held status was written, superseded, or its task deleted. */
  void drop(AgentTask task) {
    held.remove(ResourceID.fromResource(task));
  }

  /** Tasks with a status held (for tests and metrics). */
  int size() {
    return held.size();
  }

  private static boolean sameStatus(AgentTask base, AgentTask now) {
    String was = base.getMetadata().getResourceVersion();
    if (was != null && was.equals(now.getMetadata().getResourceVersion())) {
      return true;
    }
    // A newer resourceVersion with the same status: an annotation, a label or the spec changed.
    return Objects.equals(Json.tree(base.getStatus()), Json.tree(now.getStatus()));
  }
}
