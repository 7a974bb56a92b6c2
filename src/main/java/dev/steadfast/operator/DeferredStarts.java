package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.engine.format.Json;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

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
 *
 * <p>When the bound is reached, the task is reconciled through {@code due} by a timer of its own,
 * which does nothing if the status was written meanwhile or a reconcile is working on it (that one
 * holds it again, with a new timer, or writes it). A JOSDK reschedule would not know: under load,
 * when the reconcile folding the answer was still running at the bound, the finished task was
 * reconciled once more for nothing (0.4–0.5 reconciles per one-step task at --max-concurrent-steps
 * 256).
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

  /**
   * A status not written yet, the task it was built on, when it must be written, the timer that
   * says so ({@code token}), and whether a reconcile resumed it and has not held or dropped it yet.
   */
  private record Held(
      AgentTaskStatus status, AgentTask base, Instant due, long token, boolean resumed) {}

  private static final ScheduledExecutorService TIMERS =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "steadfast-held-status");
            t.setDaemon(true);
            return t;
          });

  private final Map<ResourceID, Held> held = new ConcurrentHashMap<>();
  private final AtomicLong tokens = new AtomicLong();
  private final Clock clock;
  private final Consumer<ResourceID> reconcile;

  /**
   * @param reconcile asks for a reconcile of a task whose held status is due
   */
  DeferredStarts(Clock clock, Consumer<ResourceID> reconcile) {
    this.clock = clock;
    this.reconcile = reconcile;
  }

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
    held.computeIfPresent(
        id, (k, now) -> new Held(now.status(), now.base(), now.due(), now.token(), true));
    // A copy: a reconcile that fails to write folds its outcomes again on the held status.
    return Json.copy(h.status(), AgentTaskStatus.class);
  }

  /** When the status held for the task must be written, or null when none is held. */
  Instant due(AgentTask task) {
    Held h = held.get(ResourceID.fromResource(task));
    return h == null ? null : h.due();
  }

  /**
   * Holds {@code status}, built on {@code task}'s status, until {@code due}, when the task is
   * reconciled to write it (unless it was written or is being worked on by then).
   */
  void hold(AgentTask task, AgentTaskStatus status, Instant due) {
    ResourceID id = ResourceID.fromResource(task);
    long token = tokens.incrementAndGet();
    held.put(id, new Held(status, task, due, token, false));
    long delay = Math.max(0, Duration.between(clock.instant(), due).toMillis());
    TIMERS.schedule(() -> fire(id, token), delay, TimeUnit.MILLISECONDS);
  }

  private void fire(ResourceID id, long token) {
    Held h = held.get(id);
    if (h != null && h.token() == token && !h.resumed()) {
      reconcile.accept(id);
    }
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
