package dev.steadfast.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.steadfast.api.AgentTaskSpec;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Fallback;
import dev.steadfast.api.Policy;
import dev.steadfast.api.Step;
import dev.steadfast.api.StepCheckpoint;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.api.Tool;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.expr.CelBudget;
import dev.steadfast.engine.expr.CelCost;
import dev.steadfast.engine.expr.ExpressionException;
import dev.steadfast.engine.expr.UrlTemplate;
import dev.steadfast.engine.format.GoDuration;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.llm.OutputValidator;
import dev.steadfast.engine.policy.EffectivePolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The step engine: given a task, its checkpoint (the status) and a clock, it decides the next
 * action — start these attempts, wait until T, or finished — and folds each attempt's outcome back
 * into the checkpoint. It holds no Kubernetes types and never sleeps: waits are {@code
 * nextAttemptAt} timers in the checkpoint, so a restart keeps the schedule.
 */
public final class TaskEngine {
  private final Clock clock;
  private final Breakers breakers;
  private final ResponseCache cache;
  private final RandomGenerator random;
  private final Policy defaults;
  private final Renderer renderer = new Renderer();
  private final Outcomes outcomes;
  private final OutputValidator validator = new OutputValidator();
  private final TaskRedactors redactors = new TaskRedactors();
  private final int maxItems;

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
    if (maxItems < 1) {
      throw new IllegalArgumentException("--max-items must be at least 1, got " + maxItems);
    }
    this.maxItems = maxItems;
    this.clock = clock;
    this.breakers = breakers;
    this.cache = cache;
    this.random = random;
    this.defaults = defaults;
    this.outcomes = new Outcomes(clock, random);
  }

  public Clock clock() {
    return clock;
  }

  /** Brings the checkpoint in line with the spec (new task, resumed task, or changed spec). */
  public List<EngineEvent> prepare(TaskRef task, AgentTaskStatus status) {
    return Checkpoints.prepare(task, status, clock.instant());
  }

  /**
   * "Retry requested" — the steadfast.dev/retry annotation, a changed Secret, or `steadfast run
   * --retry`: failed steps get a fresh attempt budget, and so does the task (maxTotalAttempts and
   * deadline count from now, SPEC §4); the task runs again from its checkpoint. Both drivers call
   * this one method, so the two agree.
   */
  public void retryFailed(AgentTaskStatus status) {
    Checkpoints.retryFailed(status, clock.instant());
  }

  /**
   * Decides what to start now. Attempts the checkpoint marks as in flight but that {@code running}
   * does not hold (the process restarted) are started again with the same Idempotency-Key.
   */
  public Plan plan(
      TaskRef task, AgentTaskStatus status, Set<String> running, List<EngineEvent> events) {
    // SPEC §6: however many expressions the spec holds, one decision spends a bounded CEL budget.
    Plan plan =
        CelBudget.scope(CelCost.DECISION_LIMIT, () -> decide(task, status, running, events));
    if (plan.finished()) {
      // Nothing of it runs any more; a retry starts with a fresh redactor and resolves again.
      redactors.forget(task);
    }
    return plan;
  }

  /** The task was deleted: drops what the engine holds for it in memory. */
  public void forget(TaskRef task) {
    redactors.forget(task);
  }

  /** Tasks whose secret values are held in memory for redaction (for tests). */
  int redactorsHeld() {
    return redactors.size();
  }

  private Plan decide(
      TaskRef task, AgentTaskStatus status, Set<String> running, List<EngineEvent> events) {
    Instant now = clock.instant();
    List<Attempt> start = new ArrayList<>();
    Instant wake = null;
    if (status.phase != null && status.phase.isFinal()) {
      return new Plan(start, null, true);
    }
    if (Boolean.TRUE.equals(task.spec().suspend)) {
      if (status.phase != TaskPhase.Suspended) {
        events.add(
            EngineEvent.normal("Suspended", null, "spec.suspend is true; no new attempt starts"));
      }
      Summary.update(task, status, now, true);
      return new Plan(start, null, false);
    }
    if (status.phase == TaskPhase.Suspended) {
      events.add(EngineEvent.normal("Resumed", status.currentStep, "spec.suspend is false again"));
    }
    if (status.startedAt == null) {
      status.startedAt = now.toString();
    }
    Duration deadline = GoDuration.parse(task.spec().deadline);
    if (deadline != null) {
      String since =
          status.checkpoint != null && status.checkpoint.budgetSince != null
              ? status.checkpoint.budgetSince
              : status.startedAt;
      Instant due = Instant.parse(since).plus(deadline);
      if (!now.isBefore(due)) {
        failTask(
            task,
            status,
            Failure.of(
                Tier.Fatal, "DeadlineExceeded", "deadline " + task.spec().deadline + " passed"),
            events);
        return new Plan(start, null, true);
      }
      wake = due;
    }
    for (int i = 0; i < task.spec().steps.size(); i++) {
      Step step = task.spec().steps.get(i);
      StepStatus ss = status.steps.get(i);
      if (ss.phase.isFinal()) {
        continue;
      }
      StepCheckpoint cp = status.checkpoint.steps.get(i);
      if (cp.units.isEmpty() && !begin(task, status, i, events)) {
        continue; // skipped, or finished at once (an empty forEach)
      }
      if (ss.phase.isFinal()) {
        continue;
      }
      int concurrency =
          step.forEach == null || step.forEach.concurrency == null ? 1 : step.forEach.concurrency;
      int busy = (int) cp.units.stream().filter(u -> u.inFlight != null).count();
      for (UnitCheckpoint unit : cp.units) {
        if (unit.phase.isFinal()) {
          continue;
        }
        if (unit.inFlight != null) {
          String key = key(task, status, step, unit, unit.inFlight);
          if (!running.contains(key)) {
            Attempt again = attempt(task, status, i, unit, unit.inFlight, events);
            if (again != null) {
              start.add(again);
            }
          }
          continue;
        }
        if (busy >= concurrency) {
          // Not break: an in-flight unit further on (a restart left it in the checkpoint, so
          // `running` lacks it) must still be started again, or nothing runs and nothing wakes.
          continue;
        }
        if (unit.nextAttemptAt != null && Instant.parse(unit.nextAttemptAt).isAfter(now)) {
          wake = min(wake, Instant.parse(unit.nextAttemptAt));
          continue;
        }
        Attempt a = startUnit(task, status, i, unit, events);
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
    Summary.update(task, status, now, false);
    boolean finished = status.phase != null && status.phase.isFinal();
    return new Plan(start, finished ? null : wake, finished);
  }

  /**
   * Starts a step: evaluates `when` and forEach items, creates its units. False if nothing to run.
   */
  private boolean begin(TaskRef task, AgentTaskStatus status, int i, List<EngineEvent> events) {
    Step step = task.spec().steps.get(i);
    StepStatus ss = status.steps.get(i);
    StepCheckpoint cp = status.checkpoint.steps.get(i);
    Instant now = clock.instant();
    Map<String, Object> vars = renderer.variables(task, status, null, null);
    try {
      if (step.when != null && !renderer.when(step.when, vars)) {
        ss.phase = StepPhase.Skipped;
        ss.completedAt = now.toString();
        events.add(EngineEvent.normal("StepSkipped", step.name, "when is false: " + step.when));
        return false;
      }
      if (step.forEach != null) {
        List<JsonNode> items = renderer.items(step.forEach.items, vars);
        Failure tooMany = ItemLimit.check(step.name, items.size(), maxItems);
        if (tooMany != null) {
          failTask(task, status, tooMany, events);
          return false;
        }
        for (int k = 0; k < items.size(); k++) {
          cp.units.add(new UnitCheckpoint(k));
        }
        ss.items = new dev.steadfast.api.ItemCounts();
        ss.items.total = items.size();
        ss.items.succeeded = 0;
        ss.items.failed = 0;
        if (items.isEmpty()) {
          ss.phase = StepPhase.Succeeded;
          ss.output = JsonNodeFactory.instance.arrayNode();
          ss.startedAt = ss.completedAt = now.toString();
          events.add(EngineEvent.normal("StepSucceeded", step.name, "no items"));
          return false;
        }
      } else {
        cp.units.add(new UnitCheckpoint(null));
      }
    } catch (ExpressionException e) {
      failTask(task, status, invalidSpec(step, e), events);
      return false;
    }
    ss.phase = StepPhase.Running;
    ss.startedAt = now.toString();
    events.add(EngineEvent.normal("StepStarted", step.name, describe(step)));
    return true;
  }

  /**
   * Starts the next attempt of a unit, or settles it inline (value/cache fallbacks, open breakers).
   */
  private Attempt startUnit(
      TaskRef task, AgentTaskStatus status, int i, UnitCheckpoint unit, List<EngineEvent> events) {
    Step step = task.spec().steps.get(i);
    int budget = totalAttempts(task);
    while (!unit.phase.isFinal()) {
      if (attemptsSpent(status) >= budget) {
        failTask(
            task,
            status,
            Failure.of(Tier.Fatal, "LoopDetected", "maxTotalAttempts (" + budget + ") spent"),
            events);
        return null;
      }
      Fallback fallback = unit.stage == 0 ? null : step.fallbacks.get(unit.stage - 1);
      if (fallback != null && (fallback.value != null || fallback.cache != null)) {
        Outcome inline = inlineFallback(task, status, i, unit, fallback);
        complete(
            task,
            status,
            new Attempt(
                step.name,
                unit.index,
                unit.attempts,
                unit.stage,
                fallback.kind(),
                null,
                null,
                null),
            inline,
            Duration.ZERO,
            events);
        continue;
      }
      AgentTools.Pending tool = toolCall(step, unit, fallback);
      if (tool != null && settleTool(task, step, unit, tool, events)) {
        continue;
      }
      Attempt a = attempt(task, status, i, unit, unit.attempts + 1, events);
      if (a == null) {
        return null; // failed while rendering
      }
      if (a.breakerKey() != null && tool == null) {
        CircuitBreaker cb =
            breakers.get(task.namespace(), a.breakerKey(), policy(task, step).breaker());
        if (!cb.tryAcquirePermission()) {
          if (unit.stage < fallbacks(step).size()) {
            events.add(
                EngineEvent.warning(
                    "CircuitOpen",
                    step.name,
                    "breaker " + a.breakerKey() + " is open; trying the next fallback"));
            Outcomes.nextStage(unit);
            continue;
          }
          unit.phase = StepPhase.Waiting;
          unit.waitReason = "CircuitOpen";
          unit.nextAttemptAt = breakers.retryAt(task.namespace(), a.breakerKey()).toString();
          return null;
        }
      }
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
      return a;
    }
    return null;
  }

  private Outcome inlineFallback(
      TaskRef task, AgentTaskStatus status, int i, UnitCheckpoint unit, Fallback fallback) {
    if (fallback.value != null) {
      return new Outcome.Success(fallback.value);
    }
    Step step = task.spec().steps.get(i);
    try {
      Attempt primary = render(task, status, i, unit, 0, 0);
      return cache
          .get(task.namespace(), cacheKey(step, primary.digest()))
          .<Outcome>map(Outcome.Success::new)
          .orElse(
              new Outcome.Failed(
                  Failure.of(Tier.Recoverable, "CacheMiss", "no cached output for this request")));
    } catch (RuntimeException e) {
      return new Outcome.Failed(
          Failure.of(
              Tier.Recoverable, "CacheMiss", "cannot compute the cache key: " + e.getMessage()));
    }
  }

  /**
   * Builds attempt {@code number} of a unit at its current stage; on a render error fails the task.
   */
  private Attempt attempt(
      TaskRef task,
      AgentTaskStatus status,
      int i,
      UnitCheckpoint unit,
      int number,
      List<EngineEvent> events) {
    try {
      return render(task, status, i, unit, unit.stage, number);
    } catch (UrlTemplate.UnsafeUrlException e) {
      failTask(
          task,
          status,
          Failure.of(Tier.Fatal, "InvalidSpec", urlField(task, i, unit) + ": " + e.getMessage()),
          events);
      return null;
    } catch (ExpressionException e) {
      failTask(task, status, invalidSpec(task.spec().steps.get(i), e), events);
      return null;
    } catch (IllegalArgumentException e) {
      failTask(
          task,
          status,
          Failure.of(
              Tier.Fatal, "InvalidSpec", task.spec().steps.get(i).name + ": " + e.getMessage()),
          events);
      return null;
    }
  }

  private Attempt render(
      TaskRef task, AgentTaskStatus status, int i, UnitCheckpoint unit, int stage, int number) {
    Step step = task.spec().steps.get(i);
    JsonNode item = null;
    if (step.forEach != null) {
      item =
          renderer
              .items(step.forEach.items, renderer.variables(task, status, null, null))
              .get(unit.index);
    }
    Map<String, Object> vars = renderer.variables(task, status, item, unit.index);
    Fallback fallback = stage == 0 ? null : step.fallbacks.get(stage - 1);
    EffectivePolicy policy = policy(task, step);
    Call call;
    String breakerKey;
    AgentTools.Pending tool = toolCall(step, unit, fallback);
    if (tool != null) {
      // A tool call the model asked for: an HTTP call with a breaker of its own (the tool's host).
      call =
          Call.HttpCall.forTool(
              AgentTools.tool(step.agent.tools, tool.name()), tool.arguments(), task.spec().inputs);
      breakerKey = Breakers.defaultKey(((Call.HttpCall) call).url(), null);
    } else if (fallback != null && fallback.http != null) {
      call = renderer.http(fallback.http, vars);
      breakerKey = Breakers.defaultKey(((Call.HttpCall) call).url(), null);
    } else if (step.http != null && fallback == null) {
      call = renderer.http(step.http, vars);
      breakerKey = Breakers.defaultKey(((Call.HttpCall) call).url(), null);
    } else if (step.llm != null || step.agent != null) {
      boolean agent = step.agent != null;
      Call.LlmCall llm = renderer.llm(Renderer.llmFor(step, fallback), vars, unit, !agent);
      call =
          agent
              ? new Call.AgentCall(
                  llm,
                  step.agent.tools,
                  step.agent.maxIterations,
                  unit.transcript,
                  task.spec().inputs)
              : llm;
      breakerKey = Breakers.defaultKey(llm.endpoint(), llm.model());
    } else {
      call = renderer.job(step.job, vars, task.name(), task.spec().inputs);
      breakerKey = null;
    }
    if (breakerKey != null && policy.breaker().key() != null && fallback == null && tool == null) {
      breakerKey = policy.breaker().key();
    }
    String itemPart = unit.index == null ? "-" : String.valueOf(unit.index);
    String key = String.join("/", runId(task, status), step.name, itemPart, String.valueOf(number));
    AttemptRequest request =
        new AttemptRequest(
            task.namespace(),
            key,
            policy.timeout(),
            policy.classify(),
            call,
            redactors.forTask(task));
    return new Attempt(
        step.name,
        unit.index,
        number,
        stage,
        fallback == null ? null : fallback.kind(),
        request,
        Json.sha256(call),
        breakerKey);
  }

  /** The spec field whose URL template the unit's next attempt renders, for messages. */
  private static String urlField(TaskRef task, int i, UnitCheckpoint unit) {
    Step step = task.spec().steps.get(i);
    String path = "spec.steps[" + i + "]";
    Fallback fallback = unit.stage == 0 ? null : step.fallbacks.get(unit.stage - 1);
    AgentTools.Pending tool = toolCall(step, unit, fallback);
    if (tool != null) {
      List<Tool> tools = step.agent.tools == null ? List.of() : step.agent.tools;
      for (int t = 0; t < tools.size(); t++) {
        if (tools.get(t).name.equals(tool.name())) {
          return path + ".agent.tools[" + t + "].http.url";
        }
      }
      return path + ".agent.tools";
    }
    if (fallback != null) {
      path += ".fallbacks[" + (unit.stage - 1) + "]";
      return path + (fallback.http != null ? ".http.url" : ".llm.endpoint");
    }
    return path
        + (step.http != null
            ? ".http.url"
            : step.llm != null ? ".llm.endpoint" : ".agent.llm.endpoint");
  }

  /** The agent's pending tool call, when the unit's next action is one; null otherwise. */
  private static AgentTools.Pending toolCall(Step step, UnitCheckpoint unit, Fallback fallback) {
    if (step.agent == null || (fallback != null && fallback.llm == null)) {
      return null;
    }
    return AgentTools.pending(unit.transcript);
  }

  /**
   * Answers a pending tool call at once, without calling anything, when it cannot run: an unknown
   * tool, arguments its parameters schema refuses, a URL that does not render, or an open breaker.
   * The model reads the error and decides what to do. False when the call should run.
   */
  private boolean settleTool(
      TaskRef task,
      Step step,
      UnitCheckpoint unit,
      AgentTools.Pending tool,
      List<EngineEvent> events) {
    Tool def = AgentTools.tool(step.agent.tools, tool.name());
    String error = null;
    if (def == null) {
      error = "UnknownTool: there is no tool " + tool.name();
    } else {
      List<String> problems;
      try {
        problems = validator.problems(def.parameters, tool.arguments());
      } catch (IllegalArgumentException e) {
        problems = List.of(e.getMessage());
      }
      if (!problems.isEmpty()) {
        error = "InvalidArguments: " + String.join("; ", problems);
      } else {
        try {
          Call.HttpCall http;
          try {
            http = Call.HttpCall.forTool(def, tool.arguments(), task.spec().inputs);
          } catch (UrlTemplate.UnsafeUrlException e) {
            return false; // not the model's mistake but the spec's: the attempt fails the task
          }
          String key = Breakers.defaultKey(http.url(), null);
          if (!breakers
              .get(task.namespace(), key, policy(task, step).breaker())
              .tryAcquirePermission()) {
            error = "CircuitOpen: the breaker " + key + " is open";
          }
        } catch (RuntimeException e) {
          error = "InvalidRequest: " + e.getMessage();
        }
      }
    }
    if (error == null) {
      return false;
    }
    events.add(
        EngineEvent.warning(
            "ToolFailed",
            step.name,
            Outcomes.label(unit)
                + "tool "
                + tool.name()
                + ": "
                + error
                + "; the model gets the error as the tool's result"));
    AgentTools.answer(unit, tool, "error: " + error);
    return true;
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
    int i = indexOf(task, attempt.step());
    if (i < 0 || status.phase == TaskPhase.Failed) {
      return;
    }
    Step step = task.spec().steps.get(i);
    UnitCheckpoint unit = unit(status.checkpoint.steps.get(i), attempt.item());
    if (unit == null
        || unit.phase.isFinal()
        || (attempt.request() != null
            && !Integer.valueOf(attempt.number()).equals(unit.inFlight))) {
      return;
    }
    unit.inFlight = null;
    // The one place an attempt's output, transcript or message enters the checkpoint, the response
    // cache, events and logs: from here on none of them carries a value the task resolved.
    outcome = redactors.forOutcome(task, attempt.request()).redact(outcome);
    Fallback stageFallback = unit.stage == 0 ? null : fallbacks(step).get(unit.stage - 1);
    AgentTools.Pending tool =
        attempt.request() != null && attempt.request().call() instanceof Call.HttpCall
            ? toolCall(step, unit, stageFallback)
            : null;
    if (tool != null) {
      completeTool(task, status, step, unit, attempt, tool, outcome, took, events);
      return;
    }
    outcome = OutputLimit.check(outcome);
    if (attempt.breakerKey() != null) {
      recordBreaker(task, step, attempt, outcome, took, events);
    }
    EffectivePolicy policy = policy(task, step);
    if (outcome instanceof Outcome.Progress p) {
      Failure loop = outcomes.progress(step, unit, p, events);
      if (loop != null) {
        status.steps.get(i).lastError = outcomes.errorInfo(loop);
        failTask(task, status, loop, events);
        return;
      }
    } else if (outcome instanceof Outcome.Success s) {
      if (attempt.stage() == 0 && attempt.digest() != null) {
        cache.put(task.namespace(), cacheKey(step, attempt.digest()), s.output());
      }
      outcomes.succeed(step, unit, attempt, s.output(), events);
    } else if (outcome instanceof Outcome.Failed f) {
      Failure failure = f.failure();
      status.steps.get(i).lastError = outcomes.errorInfo(failure);
      if ("LoopDetected".equals(failure.reason()) || "DeadlineExceeded".equals(failure.reason())) {
        failTask(task, status, failure, events);
        return;
      }
      Failure fatal = outcomes.fail(step, unit, attempt, f, policy, fallbacks(step).size(), events);
      if (fatal != null) {
        failTask(task, status, fatal, events);
        return;
      }
    }
    if (unit.phase.isFinal()) {
      Steps.unitFinished(task, status, i, clock.instant(), events);
    }
    Summary.update(task, status, clock.instant(), false);
  }

  /** A tool call ended: its result, a retry after a backoff, or its error, for the model. */
  private void completeTool(
      TaskRef task,
      AgentTaskStatus status,
      Step step,
      UnitCheckpoint unit,
      Attempt attempt,
      AgentTools.Pending tool,
      Outcome outcome,
      Duration took,
      List<EngineEvent> events) {
    recordBreaker(task, step, attempt, outcome, took, events);
    if (outcome instanceof Outcome.Success s) {
      AgentTools.answer(unit, tool, AgentTools.resultText(s.output()));
    } else if (outcome instanceof Outcome.Failed f) {
      Failure failure = f.failure();
      if (!outcomes.retryTool(
          step, unit, attempt, tool.name(), failure, policy(task, step), events)) {
        AgentTools.answer(unit, tool, "error: " + failure.reason() + ": " + failure.message());
      }
    }
    Summary.update(task, status, clock.instant(), false);
  }

  private void recordBreaker(
      TaskRef task,
      Step step,
      Attempt attempt,
      Outcome outcome,
      Duration took,
      List<EngineEvent> events) {
    CircuitBreaker cb =
        breakers.get(task.namespace(), attempt.breakerKey(), policy(task, step).breaker());
    CircuitBreaker.State before = cb.getState();
    if (outcome instanceof Outcome.Success) {
      Breakers.recordSuccess(cb, took);
    } else if (outcome instanceof Outcome.Failed f && f.failure().tier() == Tier.Transient) {
      Breakers.recordTransient(cb, took);
    } else {
      cb.releasePermission();
    }
    CircuitBreaker.State after = cb.getState();
    if (before != after && after == CircuitBreaker.State.OPEN) {
      events.add(
          EngineEvent.warning(
              "CircuitOpened",
              step.name,
              "breaker " + attempt.breakerKey() + " opened after repeated transient failures"));
    } else if (before != after && after == CircuitBreaker.State.CLOSED) {
      events.add(
          EngineEvent.normal(
              "CircuitClosed", step.name, "breaker " + attempt.breakerKey() + " closed again"));
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
    for (int i = 0; i < status.steps.size(); i++) {
      StepStatus ss = status.steps.get(i);
      if (!ss.name.equals(stepName) || status.checkpoint == null) {
        continue;
      }
      ss.output = null;
      ss.outputRef = null;
      for (UnitCheckpoint u : status.checkpoint.steps.get(i).units) {
        u.output = null;
        u.outputRef = null;
        u.transcript = null;
        u.transcriptRef = null;
        u.phase = StepPhase.Failed;
      }
      // Steps run in order, so this one is now the first unfinished: failTask records it there.
      ss.phase = StepPhase.Running;
    }
    failTask(task, status, failure, events);
  }

  /**
   * A failure of the task that no step caused (the driver cannot store its status): the task fails
   * with {@code failure}, recorded on the current step; outputs are kept.
   */
  public void fail(
      TaskRef task, AgentTaskStatus status, Failure failure, List<EngineEvent> events) {
    failTask(task, status, failure, events);
  }

  /** Marks the task Failed with a fatal reason, recorded on the current step. */
  private void failTask(
      TaskRef task, AgentTaskStatus status, Failure failure, List<EngineEvent> events) {
    Steps.failTask(task, status, failure, outcomes.errorInfo(failure), clock.instant(), events);
    Summary.update(task, status, clock.instant(), false);
  }

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

  /** Attempts counted against maxTotalAttempts: those since the last retry refreshed it. */
  private static int attemptsSpent(AgentTaskStatus status) {
    int all = status.attempts == null ? 0 : status.attempts;
    Integer before = status.checkpoint == null ? null : status.checkpoint.attemptsBeforeBudget;
    return before == null ? all : all - before;
  }

  EffectivePolicy policy(TaskRef task, Step step) {
    return EffectivePolicy.resolve(defaults, task.spec().policy, step);
  }

  private static List<Fallback> fallbacks(Step step) {
    return step.fallbacks == null ? List.of() : step.fallbacks;
  }

  private static String cacheKey(Step step, String digest) {
    return step.name + "/" + digest;
  }

  private String key(
      TaskRef task, AgentTaskStatus status, Step step, UnitCheckpoint unit, int number) {
    return String.join(
        "/",
        runId(task, status),
        step.name,
        unit.index == null ? "-" : String.valueOf(unit.index),
        String.valueOf(number));
  }

  private static String runId(TaskRef task, AgentTaskStatus status) {
    return task.uid() != null ? task.uid() : status.checkpoint.runId;
  }

  private static int indexOf(TaskRef task, String step) {
    for (int i = 0; i < task.spec().steps.size(); i++) {
      if (task.spec().steps.get(i).name.equals(step)) {
        return i;
      }
    }
    return -1;
  }

  static UnitCheckpoint unit(StepCheckpoint cp, Integer item) {
    for (UnitCheckpoint u : cp.units) {
      if (java.util.Objects.equals(u.index, item)) {
        return u;
      }
    }
    return null;
  }

  private static Failure invalidSpec(Step step, ExpressionException e) {
    return Failure.of(
        Tier.Fatal,
        "InvalidSpec",
        step.name + ": expression " + e.expression() + ": " + e.getMessage());
  }

  private static String describe(Step step) {
    String kind =
        step.http != null
            ? "http"
            : step.llm != null ? "llm" : step.agent != null ? "agent" : "job";
    return step.forEach == null ? kind : kind + " forEach";
  }

  private static Instant min(Instant a, Instant b) {
    return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
  }
}
