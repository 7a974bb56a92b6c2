package dev.steadfast.engine;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Step;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.policy.EffectivePolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * What a unit does after an attempt, per the taxonomy: Transient → retry with backoff (honouring
 * Retry-After) until the budget, window or loop guard says stop; Recoverable → its specific
 * handling (truncate, repair); then the next fallback; then fail.
 */
final class Outcomes {
  private final Clock clock;
  private final TaskRedactors redactors;
  private final ToolCalls tools;
  private final BreakerGate breakers;
  private final TransientRetry retries;
  private final LoopDetector loops;
  private final FallbackChain fallbacks;
  private final TaskPolicies policies;
  private final Ledger ledger;

  Outcomes(
      Clock clock,
      TaskRedactors redactors,
      ToolCalls tools,
      BreakerGate breakers,
      TransientRetry retries,
      LoopDetector loops,
      FallbackChain fallbacks,
      TaskPolicies policies,
      Ledger ledger) {
    this.clock = clock;
    this.redactors = redactors;
    this.tools = tools;
    this.breakers = breakers;
    this.retries = retries;
    this.loops = loops;
    this.fallbacks = fallbacks;
    this.policies = policies;
    this.ledger = ledger;
  }

  /**
   * Folds an attempt's outcome into the checkpoint; false when it was stale (a newer attempt
   * exists, or the task failed meanwhile) and nothing changed.
   */
  boolean fold(
      Attempt attempt,
      Outcome outcome,
      Duration took,
      TaskRef task,
      AgentTaskStatus status,
      List<EngineEvent> events) {
    int i = indexOf(task, attempt.step());
    if (i >= 0 && attempt.request() != null) {
      // Whatever becomes of the outcome below (stale, failed, repaired), the provider reported
      // these tokens as used: the ledger counts every call that returned usage.
      ledger.record(status, i, Ledger.model(attempt.request().call()), outcome.usage());
    }
    if (i < 0 || status.phase == TaskPhase.Failed) {
      return outcome.usage() != null && i >= 0;
    }
    Step step = task.spec().steps.get(i);
    UnitCheckpoint unit = Units.find(status.checkpoint.steps.get(i), attempt.item());
    if (unit == null
        || unit.phase.isFinal()
        || (attempt.request() != null
            && !Integer.valueOf(attempt.number()).equals(unit.inFlight))) {
      return outcome.usage() != null;
    }
    unit.inFlight = null;
    // The one place an attempt's output, transcript or message enters the checkpoint, the response
    // cache, events and logs: from here on none of them carries a value the task resolved.
    outcome = redactors.forOutcome(task, attempt.request()).redact(outcome);
    AgentTools.Pending tool = ToolCalls.ranBy(step, unit, attempt);
    if (tool != null) {
      tools.complete(task, step, unit, attempt, tool, outcome, took, events);
      remember(status, i, attempt, outcome, unit);
      return true;
    }
    outcome = OutputLimit.check(outcome);
    if (attempt.breakerKey() != null) {
      breakers.record(task, step, attempt, outcome, took, events);
    }
    Failure fatal = apply(task, status, i, unit, attempt, outcome, events);
    remember(status, i, attempt, outcome, unit);
    if (fatal != null) {
      Steps.failTask(task, status, fatal, clock.instant(), events);
    } else if (unit.phase.isFinal()) {
      Steps.unitFinished(task, status, i, clock.instant(), events);
    }
    return true;
  }

  /** The attempt's line in the step's bounded history (docs/status.md), after it was applied. */
  private void remember(
      AgentTaskStatus status, int i, Attempt attempt, Outcome outcome, UnitCheckpoint unit) {
    String model = attempt.request() == null ? null : Ledger.model(attempt.request().call());
    AttemptHistory.record(
        status.steps.get(i),
        attempt,
        outcome,
        unit,
        ledger.pricing().cost(model, outcome.usage()),
        clock.instant());
  }

  private static int indexOf(TaskRef task, String step) {
    for (int i = 0; i < task.spec().steps.size(); i++) {
      if (task.spec().steps.get(i).name.equals(step)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Folds one outcome into unit {@code unit} of step {@code i}. Returns the failure that must fail
   * the whole task (a loop, the deadline), or null.
   */
  private Failure apply(
      TaskRef task,
      AgentTaskStatus status,
      int i,
      UnitCheckpoint unit,
      Attempt attempt,
      Outcome outcome,
      List<EngineEvent> events) {
    Step step = task.spec().steps.get(i);
    if (outcome instanceof Outcome.Progress p) {
      Failure loop = progress(step, unit, p, events);
      if (loop != null) {
        status.steps.get(i).lastError = Errors.info(loop, clock.instant());
      }
      return loop;
    }
    if (outcome instanceof Outcome.Success s) {
      fallbacks.remember(task, step, attempt, s.output());
      succeed(step, unit, attempt, s, events);
      return null;
    }
    Outcome.Failed f = (Outcome.Failed) outcome;
    status.steps.get(i).lastError = Errors.info(f.failure(), clock.instant());
    if (LoopDetector.isLoop(f.failure()) || Reason.DeadlineExceeded.is(f.failure().reason())) {
      return f.failure();
    }
    return fail(step, unit, attempt, f, policies.of(task, step), events);
  }

  /** The unit has its output; a fallback that produced it is news (docs/status.md FallbackUsed). */
  private static void succeed(
      Step step,
      UnitCheckpoint unit,
      Attempt attempt,
      Outcome.Success s,
      List<EngineEvent> events) {
    unit.phase = StepPhase.Succeeded;
    unit.output = s.output();
    unit.fallback = attempt.fallback();
    unit.nextAttemptAt = null;
    unit.waitReason = null;
    if (attempt.fallback() != null) {
      String produced = "fallback " + attempt.stage() + " (" + attempt.fallback() + ")";
      events.add(
          EngineEvent.warning(
              EventType.FallbackUsed,
              step.name,
              Units.label(unit) + produced + " produced the output"));
    }
  }

  /** An agent iteration: keep the transcript, start the next one at once. */
  private Failure progress(
      Step step, UnitCheckpoint unit, Outcome.Progress p, List<EngineEvent> events) {
    unit.transcript = p.transcript();
    unit.iterations = Units.inc(unit.iterations);
    Units.nextAction(unit);
    events.add(
        EngineEvent.normal(
            EventType.AgentIteration,
            step.name,
            Units.label(unit) + "iteration " + unit.iterations + ": " + p.note()));
    Failure loop = loops.iterations(step, unit);
    if (loop != null) {
      unit.phase = StepPhase.Failed;
    }
    return loop;
  }

  /**
   * Applies a failure to a unit. Returns a failure that must fail the whole task (loop detected),
   * or null when the unit retries, moves to a fallback, or fails on its own.
   */
  private Failure fail(
      Step step,
      UnitCheckpoint unit,
      Attempt attempt,
      Outcome.Failed failed,
      EffectivePolicy policy,
      List<EngineEvent> events) {
    Failure f = failed.failure();
    unit.lastError = Errors.info(f, clock.instant());
    Duration delay = Duration.ZERO;
    String how;
    if (f.tier() == Tier.Transient) {
      TransientRetry.Retry r = retries.next(unit, f, policy);
      how = r == null ? null : r.how();
      delay = r == null ? delay : r.delay();
    } else {
      how = Recovery.attempt(step, unit, attempt, failed);
    }
    if (how == null) {
      fallbacks.afterFailure(step, unit, f, events);
      return null;
    }
    Failure loop = loops.identical(unit, attempt, f, policy);
    if (loop != null) {
      unit.lastError = Errors.info(loop, clock.instant());
      unit.phase = StepPhase.Failed;
      events.add(
          EngineEvent.warning(
              EventType.LoopDetected, step.name, Units.label(unit) + loop.message()));
      return loop;
    }
    retries.wait(unit, f, delay);
    events.add(
        EngineEvent.warning(
            EventType.StepRetrying,
            step.name,
            Units.label(unit) + Errors.reasonText(f) + ", " + how));
    return null;
  }
}
