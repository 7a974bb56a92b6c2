package dev.steadfast.engine;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.ForkOrigin;
import dev.steadfast.api.Policy;
import dev.steadfast.api.Step;
import dev.steadfast.api.StepCheckpoint;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.expr.CelBudget;
import dev.steadfast.engine.expr.CelCost;
import dev.steadfast.engine.ratelimit.EndpointLimits;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The step engine: given a task, its checkpoint (the status) and a clock, it decides the next
 * action — start these attempts, wait until T, or finished — and folds each attempt's outcome back
 * into the checkpoint. It holds no Kubernetes types and never sleeps: waits are {@code
 * nextAttemptAt} timers in the checkpoint, so a restart keeps the schedule. Each entry point ends
 * with one {@link Summary} of the status.
 */
public final class TaskEngine {
  private final Clock clock;
  private final TaskRedactors redactors;
  private final StepStart steps;
  private final NextAttempt next;
  private final Outcomes outcomes;
  private final Ledger ledger;
  private final RateGate rates;
  private final SpecDigests digests;

  /** With the default --max-items ({@link ItemLimit#DEFAULT}). */
  public TaskEngine(
      Clock clock,
      Breakers breakers,
      ResponseCache cache,
      RandomGenerator random,
      Policy defaults) {
    this(clock, breakers, cache, random, defaults, ItemLimit.DEFAULT);
  }

  /**
   * @param maxItems the most items a forEach step may have (--max-items)
   */
  public TaskEngine(
      Clock clock,
      Breakers breakers,
      ResponseCache cache,
      RandomGenerator random,
      Policy defaults,
      int maxItems) {
    this(clock, breakers, cache, random, defaults, maxItems, Pricing.NONE, null);
  }

  /**
   * @param pricing the price table (--pricing) that turns reported usage into cost
   * @param limits the adaptive concurrency limits per provider key shared by every task of this
   *     process, or null for none (every model call starts when its task is ready)
   */
  public TaskEngine(
      Clock clock,
      Breakers breakers,
      ResponseCache cache,
      RandomGenerator random,
      Policy defaults,
      int maxItems,
      Pricing pricing,
      EndpointLimits limits) {
    this(Collaborators.wire(clock, random, defaults, maxItems, breakers, cache, pricing, limits));
  }

  /** With the collaborators {@link Collaborators#wire} built. */
  TaskEngine(Collaborators parts) {
    this.clock = parts.clock();
    this.redactors = parts.redactors();
    this.steps = parts.steps();
    this.next = parts.next();
    this.outcomes = parts.outcomes();
    this.ledger = parts.ledger();
    this.rates = parts.rates();
    this.digests = parts.digests();
  }

  /**
   * True when the task's only waits are for slots of provider keys that no provider limited (see
   * {@link RateGate#onlyPacing}): a driver need not store such a wait.
   */
  public boolean waitsOnlyForPacing(TaskRef task, AgentTaskStatus status) {
    return rates.onlyPacing(task, status);
  }

  /** The price table usage is costed with. */
  public Pricing pricing() {
    return ledger.pricing();
  }

  public Clock clock() {
    return clock;
  }

  /** Brings the checkpoint in line with the spec (new task, resumed task, or changed spec). */
  public List<EngineEvent> prepare(TaskRef task, AgentTaskStatus status) {
    return Checkpoints.prepare(task, status, clock.instant(), digests.of(task));
  }

  /**
   * "Retry requested" — the steadfast.dev/retry annotation, a changed Secret, or `steadfast run
   * --retry`: failed steps get a fresh attempt budget, and so does the task (maxTotalAttempts and
   * deadline count from now, docs/cli.md); the task runs again from its checkpoint. Both drivers
   * call this one method, so the two agree.
   */
  public void retryFailed(AgentTaskStatus status) {
    Checkpoints.retryFailed(status, clock.instant());
  }

  /**
   * The first reconcile of a fork of {@code sourceName} from step {@code from}: its status is
   * seeded with the source's finished steps before it, then brought in line with its own spec by
   * {@link #prepare}, the rule every spec change follows (a step the fork's spec changed is run
   * again). {@code source} is null when there is no such task: the fork fails, as it does when
   * {@code from} is not one of its steps. Records {@code status.forkedFrom}, so it happens once.
   */
  public void fork(
      TaskRef task,
      AgentTaskStatus status,
      String sourceName,
      AgentTaskStatus source,
      String from,
      List<EngineEvent> events) {
    if (task.spec().steps.stream().noneMatch(s -> s.name.equals(from))) {
      refuseFork(
          task,
          status,
          Failure.of(
              Tier.Fatal,
              Reason.InvalidSpec.name(),
              "the annotation "
                  + AgentTask.FORK_FROM_ANNOTATION
                  + " names step '"
                  + from
                  + "', which is not in spec.steps"),
          events);
      return;
    }
    if (source == null) {
      refuseFork(
          task,
          status,
          Failure.of(
              Tier.Fatal,
              Reason.ForkSourceNotFound.name(),
              "the annotation "
                  + AgentTask.FORK_OF_ANNOTATION
                  + " names task '"
                  + sourceName
                  + "', which is not in namespace "
                  + task.namespace()),
          events);
      return;
    }
    List<String> seeded = Forks.seed(task.spec(), status, source, from);
    events.addAll(prepare(task, status));
    ForkOrigin origin = new ForkOrigin();
    origin.task = sourceName;
    origin.step = from;
    origin.carried =
        status.steps.stream()
            .filter(s -> seeded.contains(s.name) && Forks.finished(s))
            .map(s -> s.name)
            .toList();
    status.forkedFrom = origin;
    String runsFrom =
        status.steps.stream()
            .filter(s -> !Forks.finished(s))
            .map(s -> s.name)
            .findFirst()
            .orElse(from);
    events.add(
        EngineEvent.normal(
            EventType.Forked,
            null,
            "forked from "
                + sourceName
                + ": "
                + (origin.carried.isEmpty()
                    ? "no finished step carried; runs from the start"
                    : "carried "
                        + origin.carried.size()
                        + " finished step"
                        + (origin.carried.size() == 1 ? "" : "s")
                        + " ("
                        + String.join(", ", origin.carried)
                        + "); runs from "
                        + runsFrom)));
  }

  /** A fork that cannot start ({@code why}): the task fails, Stalled with that reason. */
  public void refuseFork(
      TaskRef task, AgentTaskStatus status, Failure why, List<EngineEvent> events) {
    events.addAll(prepare(task, status));
    fail(task, status, why, events);
  }

  /** The status of a task whose spec does not validate ({@code problems} say why). */
  public void invalidSpec(TaskRef task, AgentTaskStatus status, String problems) {
    Summary.invalidSpec(status, task.generation(), problems, clock.instant());
  }

  /**
   * Decides what to start now. Attempts the checkpoint marks as in flight but that {@code running}
   * does not hold (the process restarted) are started again with the same Idempotency-Key.
   */
  public Plan plan(
      TaskRef task, AgentTaskStatus status, Set<String> running, List<EngineEvent> events) {
    if (status.phase != null && status.phase.isFinal()) {
      redactors.forget(task);
      rates.forget(task);
      digests.forget(task);
      return new Plan(List.of(), null, true);
    }
    boolean suspended = Boolean.TRUE.equals(task.spec().suspend);
    rates.planning(task, running);
    // docs/security.md: however many expressions the spec holds, one decision spends a bounded CEL
    // budget.
    Plan plan =
        CelBudget.scope(CelCost.DECISION_LIMIT, () -> decide(task, status, running, events));
    rates.planned(task);
    Summary.update(task, status, clock.instant(), suspended);
    rates.describe(task, status);
    if (!suspended && status.phase.isFinal()) {
      plan = new Plan(plan.start(), null, true);
    }
    if (plan.finished()) {
      // Nothing of it runs any more; a retry starts with a fresh redactor and resolves again.
      redactors.forget(task);
      rates.forget(task);
      digests.forget(task);
    }
    return plan;
  }

  /** The task was deleted: drops what the engine holds for it in memory. */
  public void forget(TaskRef task) {
    redactors.forget(task);
    rates.forget(task);
    digests.forget(task);
  }

  /** Tasks whose secret values are held in memory for redaction (for tests). */
  int redactorsHeld() {
    return redactors.size();
  }

  private Plan decide(
      TaskRef task, AgentTaskStatus status, Set<String> running, List<EngineEvent> events) {
    List<Attempt> start = new ArrayList<>();
    if (Boolean.TRUE.equals(task.spec().suspend)) {
      if (status.phase != TaskPhase.Suspended) {
        events.add(
            EngineEvent.normal(
                EventType.Suspended, null, "spec.suspend is true; no new attempt starts"));
      }
      return new Plan(start, null, false);
    }
    if (status.phase == TaskPhase.Suspended) {
      events.add(
          EngineEvent.normal(EventType.Resumed, status.currentStep, "spec.suspend is false again"));
    }
    Instant now = clock.instant();
    if (status.startedAt == null) {
      status.startedAt = now.toString();
    }
    Instant wake = Deadline.due(task, status);
    if (wake != null && !now.isBefore(wake)) {
      String message = "deadline " + task.spec().deadline + " passed";
      Failure passed = Failure.of(Tier.Fatal, Reason.DeadlineExceeded.name(), message);
      Steps.failTask(task, status, passed, now, events);
      return new Plan(start, null, true);
    }
    for (int i = 0; i < task.spec().steps.size(); i++) {
      Step step = task.spec().steps.get(i);
      StepStatus ss = status.steps.get(i);
      StepCheckpoint cp = status.checkpoint.steps.get(i);
      if (ss.phase.isFinal()
          || (cp.units.isEmpty() && !steps.begin(task, status, i, events))
          || ss.phase.isFinal()) {
        continue; // finished, skipped, or finished at once (an empty forEach)
      }
      int concurrency =
          step.forEach == null || step.forEach.concurrency == null ? 1 : step.forEach.concurrency;
      int busy = (int) cp.units.stream().filter(u -> u.inFlight != null).count();
      for (UnitCheckpoint unit : cp.units) {
        if (unit.phase.isFinal()) {
          continue;
        }
        if (unit.inFlight != null) {
          next.resend(task, status, i, unit, running, events).ifPresent(start::add);
          continue;
        }
        if (busy >= concurrency) {
          // Not break: an in-flight unit further on (a restart left it in the checkpoint, so
          // `running` lacks it) must still be started again, or nothing runs and nothing wakes.
          continue;
        }
        if (unit.nextAttemptAt != null
            && Instant.parse(unit.nextAttemptAt).isAfter(now)
            && !rates.queued(task, step.name, unit)) {
          wake = min(wake, Instant.parse(unit.nextAttemptAt));
          continue;
        }
        Attempt a = next.start(task, status, i, unit, events);
        if (status.phase == TaskPhase.Failed) {
          return new Plan(List.of(), null, true);
        }
        if (a != null) {
          start.add(a);
          busy++;
        } else if (unit.nextAttemptAt != null && !unit.phase.isFinal()) {
          wake = min(wake, Instant.parse(unit.nextAttemptAt));
        }
      }
      if (!ss.phase.isFinal() || status.phase == TaskPhase.Failed) {
        break; // steps run in order
      }
    }
    return new Plan(start, wake, false);
  }

  /**
   * Folds an attempt's outcome into the checkpoint. Stale outcomes (a newer attempt exists) are
   * ignored.
   */
  public void complete(
      TaskRef task,
      AgentTaskStatus status,
      Attempt attempt,
      Outcome outcome,
      Duration took,
      List<EngineEvent> events) {
    // Stale or not, the attempt has ended: its slot of the provider key's limit frees.
    rates.ended(attempt, outcome);
    if (outcomes.fold(attempt, outcome, took, task, status, events)) {
      Summary.update(task, status, clock.instant(), false);
      rates.describe(task, status);
    }
  }

  /**
   * A step whose output cannot be kept (the driver could not store it where it belongs): the step
   * fails with {@code failure} and its outputs are dropped, so a retry runs it again.
   */
  public void failStep(
      TaskRef task,
      AgentTaskStatus status,
      String stepName,
      Failure failure,
      List<EngineEvent> events) {
    Steps.discard(status, stepName);
    fail(task, status, failure, events);
  }

  /**
   * A failure of the task that no step caused (the driver cannot store its status): the task fails
   * with {@code failure}, recorded on the current step; outputs are kept.
   */
  public void fail(
      TaskRef task, AgentTaskStatus status, Failure failure, List<EngineEvent> events) {
    Steps.failTask(task, status, failure, clock.instant(), events);
    Summary.update(task, status, clock.instant(), false);
  }

  private static Instant min(Instant a, Instant b) {
    return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
  }
}
