package dev.steadfast.engine;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.StepCheckpoint;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.ratelimit.EndpointKey;
import dev.steadfast.engine.ratelimit.EndpointLimits;
import java.util.Set;

/**
 * Adaptive concurrency per provider key (docs/rate-limits.md), in front of model calls as the
 * breakers are: before an attempt starts it takes a slot of its key's limit, or the unit waits
 * ({@code Waiting}, {@code RateLimited}) without spending an attempt; when the attempt ends its
 * outcome paces the limit. Off (every call admitted) when the driver gives no limits.
 */
final class RateGate {
  private final EndpointLimits limits;

  RateGate(EndpointLimits limits) {
    this.limits = limits;
  }

  /** The driver plans {@code task} now; {@code running} are its attempts still under way. */
  void planning(TaskRef task, Set<String> running) {
    if (limits != null) {
      limits.planning(id(task), running);
    }
  }

  /** The plan is made. */
  void planned(TaskRef task) {
    if (limits != null) {
      limits.planned(id(task));
    }
  }

  /** True when the unit waits for a slot: its timer is a safety net, it may start any time. */
  boolean queued(TaskRef task, String step, UnitCheckpoint unit) {
    return limits != null && limits.waiting(unitId(task, step, unit));
  }

  /**
   * True when attempt {@code a} may start now; else the unit waits for a slot of its key, due again
   * when the key unblocks (or, as a safety net, a while later) or as soon as a slot frees.
   */
  boolean admits(TaskRef task, UnitCheckpoint unit, Attempt a) {
    EndpointKey key = limits == null ? null : EndpointKey.of(task.namespace(), a.request().call());
    if (key == null) {
      return true;
    }
    if (limits.tryAcquire(key, id(task), task, unitId(task, a.step(), unit), a.key())) {
      return true;
    }
    unit.phase = StepPhase.Waiting;
    unit.waitReason = Reason.RateLimited.name();
    unit.nextAttemptAt = limits.recheckAt(key).toString();
    return false;
  }

  /**
   * True when the task's only waits are for slots its provider did not limit: every unit that
   * waits, waits for a key whose limit is still probing upwards (a new key's slow start) or is as
   * large as the process's own limit. A driver may leave such a wait out of what it stores: nothing
   * was sent, and the unit starts as soon as a slot frees, as one queued behind
   * --max-concurrent-steps does.
   */
  boolean onlyPacing(TaskRef task, AgentTaskStatus status) {
    if (limits == null || status.checkpoint == null) {
      return false;
    }
    boolean waits = false;
    for (StepCheckpoint cp : status.checkpoint.steps) {
      for (UnitCheckpoint u : cp.units) {
        StepPhase phase = u.phase == null ? StepPhase.Pending : u.phase;
        if (phase == StepPhase.Waiting && Reason.RateLimited.is(u.waitReason)) {
          String unit = unitId(task, cp.name, u);
          if (!limits.waiting(unit) || limits.waitsForProvider(unit)) {
            return false;
          }
          waits = true;
        } else if (phase != StepPhase.Pending && !phase.isFinal()) {
          return false;
        }
      }
    }
    return waits;
  }

  /** An attempt ended (or its outcome is stale): its slot frees, and a 429 or success paces. */
  void ended(Attempt a, Outcome outcome) {
    if (limits == null || a.request() == null) {
      return;
    }
    if (outcome instanceof Outcome.Success || outcome instanceof Outcome.Progress) {
      limits.succeeded(a.key());
    } else if (outcome instanceof Outcome.Failed f && isRateLimit(f.failure())) {
      limits.rateLimited(a.key());
    } else {
      limits.released(a.key());
    }
  }

  /** The task is finished or deleted. */
  void forget(TaskRef task) {
    if (limits != null) {
      limits.forget(id(task));
    }
  }

  /**
   * A task that waits only behind the limit says so, with the host and the limit of its own key
   * (never another team's: keys are per Secret).
   */
  void describe(TaskRef task, AgentTaskStatus status) {
    if (limits == null || status.phase != TaskPhase.Waiting || status.currentStep == null) {
      return;
    }
    for (int i = 0; i < status.steps.size(); i++) {
      StepStatus ss = status.steps.get(i);
      if (!ss.name.equals(status.currentStep)) {
        continue;
      }
      StepCheckpoint cp = status.checkpoint.steps.get(i);
      for (UnitCheckpoint u : cp.units) {
        if (u.phase.isFinal() || u.nextAttemptAt == null) {
          continue;
        }
        EndpointKey key = limits.waitingFor(unitId(task, ss.name, u));
        if (key == null) {
          return; // the first waiting unit waits for something else (a retry's backoff)
        }
        status.message =
            ss.name
                + ": queued behind the rate limit of "
                + key.host()
                + ", limit "
                + limits.limitOf(key);
        return;
      }
    }
  }

  private static boolean isRateLimit(Failure f) {
    return Reason.RateLimited.is(f.reason());
  }

  private static String id(TaskRef task) {
    return task.uid() != null ? task.uid() : task.namespace() + "/" + task.name();
  }

  private static String unitId(TaskRef task, String step, UnitCheckpoint unit) {
    return id(task) + "/" + step + (unit.index == null ? "" : "/" + unit.index);
  }
}
