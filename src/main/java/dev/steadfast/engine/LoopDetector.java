package dev.steadfast.engine;

import dev.steadfast.api.AgentTaskSpec;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Step;
import dev.steadfast.api.Tier;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.policy.EffectivePolicy;

/**
 * docs/errors.md LoopDetected: work that goes round without getting anywhere is stopped, Fatal, by
 * three guards — the same request failing the same way maxIdenticalFailures times in a row, an
 * agent that does not answer within maxIterations, and a task that spent maxTotalAttempts.
 */
final class LoopDetector {
  /** An agent's maxIterations when the spec leaves it out. */
  static final int DEFAULT_MAX_ITERATIONS = 20;

  /**
   * The task's attempt budget: the default when unset, never over the CRD's maximum (a spec that
   * bypassed admission gets the maximum), so retry.maxAttempts 0 is never unbounded.
   */
  static int totalAttempts(TaskRef task) {
    Integer spec = task.spec().maxTotalAttempts;
    return spec == null
        ? AgentTaskSpec.DEFAULT_TOTAL_ATTEMPTS
        : Math.min(spec, AgentTaskSpec.MAX_TOTAL_ATTEMPTS);
  }

  /** LoopDetected when the task has no attempt left to start, else null. */
  Failure budgetSpent(TaskRef task, AgentTaskStatus status) {
    int budget = totalAttempts(task);
    if (attemptsSpent(status) < budget) {
      return null;
    }
    return loop("maxTotalAttempts (" + budget + ") spent");
  }

  /** LoopDetected when the agent's iterations (counted already) reached maxIterations. */
  Failure iterations(Step step, UnitCheckpoint unit) {
    int max =
        step.agent == null || step.agent.maxIterations == null
            ? DEFAULT_MAX_ITERATIONS
            : step.agent.maxIterations;
    if (unit.iterations == null || unit.iterations < max) {
      return null;
    }
    return loop("the agent did not answer within maxIterations (" + max + ")");
  }

  /**
   * Counts a failure that is about to be retried: LoopDetected when the same action failed the same
   * way maxIdenticalFailures times in a row, else null.
   */
  Failure identical(UnitCheckpoint unit, Attempt attempt, Failure f, EffectivePolicy policy) {
    String fingerprint = fingerprint(unit, attempt, f);
    if (fingerprint.equals(unit.lastFingerprint)) {
      unit.identicalFailures = Units.inc(unit.identicalFailures);
    } else {
      unit.lastFingerprint = fingerprint;
      unit.identicalFailures = 1;
    }
    if (unit.identicalFailures < policy.maxIdenticalFailures()) {
      return null;
    }
    return loop(
        "the same request failed with "
            + f.reason()
            + " "
            + unit.identicalFailures
            + " times in a row");
  }

  /** True when the attempt sent the very request that failed the same way last time. */
  static boolean repeats(UnitCheckpoint unit, Attempt attempt, Failure f) {
    return fingerprint(unit, attempt, f).equals(unit.lastFingerprint);
  }

  static boolean isLoop(Failure f) {
    return Reason.LoopDetected.is(f.reason());
  }

  /** Attempts counted against maxTotalAttempts: those since the last retry refreshed it. */
  private static int attemptsSpent(AgentTaskStatus status) {
    int all = status.attempts == null ? 0 : status.attempts;
    Integer before = status.checkpoint == null ? null : status.checkpoint.attemptsBeforeBudget;
    return before == null ? all : all - before;
  }

  private static String fingerprint(UnitCheckpoint unit, Attempt attempt, Failure f) {
    return Json.sha256Hex(
        attempt.step() + "|" + unit.index + "|" + attempt.digest() + "|" + f.reason());
  }

  private static Failure loop(String message) {
    return Failure.of(Tier.Fatal, Reason.LoopDetected.name(), message);
  }
}
