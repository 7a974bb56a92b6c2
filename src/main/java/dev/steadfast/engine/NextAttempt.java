package dev.steadfast.engine;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Fallback;
import dev.steadfast.api.Step;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Starts the next attempt of a unit, or settles it without one: a value or cache fallback answers
 * at once, a tool call that cannot run is answered with its error, and an open breaker moves the
 * unit to its next fallback or makes it wait. Every started attempt counts against the task's
 * maxTotalAttempts.
 */
final class NextAttempt {
  private final Clock clock;
  private final LoopDetector loops;
  private final FallbackChain fallbacks;
  private final ToolCalls tools;
  private final AttemptRenderer renderer;
  private final BreakerGate breakers;
  private final RateGate rates;
  private final Outcomes outcomes;
  private final Ledger ledger;

  NextAttempt(
      Clock clock,
      LoopDetector loops,
      FallbackChain fallbacks,
      ToolCalls tools,
      AttemptRenderer renderer,
      BreakerGate breakers,
      RateGate rates,
      Outcomes outcomes,
      Ledger ledger) {
    this.clock = clock;
    this.loops = loops;
    this.fallbacks = fallbacks;
    this.tools = tools;
    this.renderer = renderer;
    this.breakers = breakers;
    this.rates = rates;
    this.outcomes = outcomes;
    this.ledger = ledger;
  }

  /** The attempt to start for the unit, or null (settled, waiting, or the task failed). */
  Attempt start(
      TaskRef task, AgentTaskStatus status, int i, UnitCheckpoint unit, List<EngineEvent> events) {
    Step step = task.spec().steps.get(i);
    while (!unit.phase.isFinal()) {
      Failure spent = loops.budgetSpent(task, status);
      if (spent != null) {
        Steps.failTask(task, status, spent, clock.instant(), events);
        return null;
      }
      Fallback fallback = FallbackChain.at(step, unit.stage);
      if (FallbackChain.answersInline(fallback)) {
        Outcome outcome = fallbacks.inline(task, status, i, unit, fallback);
        Attempt settled =
            new Attempt(
                step.name,
                unit.index,
                unit.attempts,
                unit.stage,
                fallback.kind(),
                null,
                null,
                null);
        outcomes.fold(settled, outcome, Duration.ZERO, task, status, events);
        continue;
      }
      AgentTools.Pending tool = ToolCalls.pending(step, unit, fallback);
      if (tool != null && tools.settle(task, step, unit, tool, events)) {
        continue;
      }
      Attempt a;
      try {
        a = renderer.attempt(task, status, i, unit, unit.attempts + 1);
      } catch (AttemptRenderer.Unrenderable e) {
        Steps.failTask(task, status, e.failure(), clock.instant(), events);
        return null;
      }
      // The budget first: a call the budget holds must not take a provider key's slot. Then the
      // slot: a half-open breaker's trial permits must not be taken by a call that then waits.
      if (held(task, status, step, unit, a, events)) {
        return null;
      }
      if (tool == null && !rates.admits(task, unit, a)) {
        return null; // waits for a slot of its provider key; no attempt is spent
      }
      if (a.breakerKey() != null && tool == null && !breakers.admits(task, step, a.breakerKey())) {
        rates.ended(a, null);
        if (unit.stage < FallbackChain.of(step).size()) {
          events.add(
              EngineEvent.warning(
                  EventType.CircuitOpen,
                  step.name,
                  "breaker " + a.breakerKey() + " is open; trying the next fallback"));
          Units.nextStage(unit);
          continue;
        }
        unit.phase = StepPhase.Waiting;
        unit.waitReason = Reason.CircuitOpen.name();
        unit.nextAttemptAt = breakers.retryAt(task, a.breakerKey()).toString();
        return null;
      }
      begin(status, i, unit);
      return a;
    }
    return null;
  }

  /**
   * An attempt the checkpoint holds in flight but nothing runs (the process restarted): it is sent
   * again, with the same Idempotency-Key. Empty when it runs, or the spec cannot render it (the
   * task failed).
   */
  Optional<Attempt> resend(
      TaskRef task,
      AgentTaskStatus status,
      int i,
      UnitCheckpoint unit,
      Set<String> running,
      List<EngineEvent> events) {
    Step step = task.spec().steps.get(i);
    if (running.contains(AttemptRenderer.key(task, status, step, unit, unit.inFlight))) {
      return Optional.empty();
    }
    try {
      return Optional.of(renderer.attempt(task, status, i, unit, unit.inFlight));
    } catch (AttemptRenderer.Unrenderable e) {
      Steps.failTask(task, status, e.failure(), clock.instant(), events);
      return Optional.empty();
    }
  }

  /**
   * The budget check before a model call (docs/cost.md): true when the call could take the task
   * over spec.budget, so it is not made and the unit is held (no timer: a spec change that raises
   * the budget plans it again). The first hold raises BudgetExhausted; a call let through after a
   * hold says the task resumed.
   */
  private boolean held(
      TaskRef task,
      AgentTaskStatus status,
      Step step,
      UnitCheckpoint unit,
      Attempt a,
      List<EngineEvent> events) {
    String why = ledger.exceeds(task.spec().budget, status, a.request().call());
    boolean wasHeld = Reason.BudgetExhausted.is(unit.waitReason);
    if (why == null) {
      if (wasHeld) {
        unit.waitReason = null;
        events.add(
            EngineEvent.normal(
                EventType.Resumed, step.name, Units.label(unit) + "the budget allows the call"));
      }
      return false;
    }
    if (status.checkpoint.budgetHeld == null) {
      events.add(EngineEvent.warning(EventType.BudgetExhausted, step.name, why));
    }
    status.checkpoint.budgetHeld = why;
    unit.waitReason = Reason.BudgetExhausted.name();
    unit.nextAttemptAt = null;
    if (unit.phase != StepPhase.Pending) {
      unit.phase = StepPhase.Waiting;
    }
    return true;
  }

  /** The attempt is under way: counted on the unit, the step and the task. */
  private void begin(AgentTaskStatus status, int i, UnitCheckpoint unit) {
    unit.attempts++;
    unit.stageAttempts++;
    unit.inFlight = unit.attempts;
    unit.phase = StepPhase.Running;
    unit.waitReason = null;
    unit.nextAttemptAt = null;
    if (unit.stageStartedAt == null) {
      unit.stageStartedAt = clock.instant().toString();
    }
    status.attempts = (status.attempts == null ? 0 : status.attempts) + 1;
    StepStatus ss = status.steps.get(i);
    ss.attempts = (ss.attempts == null ? 0 : ss.attempts) + 1;
  }
}
