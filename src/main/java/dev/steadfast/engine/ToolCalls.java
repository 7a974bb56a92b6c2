package dev.steadfast.engine;

import dev.steadfast.api.Fallback;
import dev.steadfast.api.Step;
import dev.steadfast.api.Tier;
import dev.steadfast.api.Tool;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.expr.UrlTemplate;
import dev.steadfast.engine.llm.OutputValidator;
import dev.steadfast.engine.policy.EffectivePolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The settlement of an agent's tool calls. Each call the model asks for runs as an attempt of its
 * own (an HTTP call behind its host's breaker); what comes back — the result, or the error — is the
 * tool's answer to the model. A failed tool is not a failed task: only a Transient failure within
 * the retry budget is retried, anything else the model reads and decides about.
 */
final class ToolCalls {
  private final Clock clock;
  private final BreakerGate breakers;
  private final TransientRetry retries;
  private final LoopDetector loops;
  private final TaskPolicies policies;
  private final OutputValidator validator = new OutputValidator();

  ToolCalls(
      Clock clock,
      BreakerGate breakers,
      TransientRetry retries,
      LoopDetector loops,
      TaskPolicies policies) {
    this.clock = clock;
    this.breakers = breakers;
    this.retries = retries;
    this.loops = loops;
    this.policies = policies;
  }

  /** The agent's pending tool call, when the unit's next action is one; null otherwise. */
  static AgentTools.Pending pending(Step step, UnitCheckpoint unit, Fallback fallback) {
    if (step.agent == null || (fallback != null && fallback.llm == null)) {
      return null;
    }
    return AgentTools.pending(unit.transcript);
  }

  /** The tool call an ended attempt ran, or null when the attempt was a model call. */
  static AgentTools.Pending ranBy(Step step, UnitCheckpoint unit, Attempt attempt) {
    if (attempt.request() == null || !(attempt.request().call() instanceof Call.HttpCall)) {
      return null;
    }
    return pending(step, unit, FallbackChain.at(step, unit.stage));
  }

  /**
   * Answers a pending tool call at once, without calling anything, when it cannot run: an unknown
   * tool, arguments its parameters schema refuses, a URL that does not render, or an open breaker.
   * The model reads the error and decides what to do. False when the call should run.
   */
  boolean settle(
      TaskRef task,
      Step step,
      UnitCheckpoint unit,
      AgentTools.Pending tool,
      List<EngineEvent> events) {
    Tool def = AgentTools.tool(step.agent.tools, tool.name());
    String error;
    try {
      error = refusal(task, step, def, tool);
    } catch (UrlTemplate.UnsafeUrlException e) {
      return false; // not the model's mistake but the spec's: the attempt fails the task
    }
    if (error == null) {
      return false;
    }
    events.add(failed(step, unit, tool.name(), error));
    AgentTools.answer(unit, tool, "error: " + error);
    return true;
  }

  /** A tool call ended: its result, a retry after a backoff, or its error, for the model. */
  void complete(
      TaskRef task,
      Step step,
      UnitCheckpoint unit,
      Attempt attempt,
      AgentTools.Pending tool,
      Outcome outcome,
      Duration took,
      List<EngineEvent> events) {
    breakers.record(task, step, attempt, outcome, took, events);
    if (outcome instanceof Outcome.Success s) {
      AgentTools.answer(unit, tool, AgentTools.resultText(s.output()));
    } else if (outcome instanceof Outcome.Failed f) {
      Failure failure = f.failure();
      if (!retry(step, unit, attempt, tool.name(), failure, policies.of(task, step), events)) {
        AgentTools.answer(unit, tool, "error: " + failure.reason() + ": " + failure.message());
      }
    }
  }

  /** Why the call cannot run (the model's error text), or null when it can. */
  private String refusal(TaskRef task, Step step, Tool def, AgentTools.Pending tool) {
    if (def == null) {
      return "UnknownTool: there is no tool " + tool.name();
    }
    List<String> problems;
    try {
      problems = validator.problems(def.parameters, tool.arguments());
    } catch (IllegalArgumentException e) {
      problems = List.of(e.getMessage());
    }
    if (!problems.isEmpty()) {
      return "InvalidArguments: " + String.join("; ", problems);
    }
    try {
      Call.HttpCall http = Call.HttpCall.forTool(def, tool.arguments(), task.spec().inputs);
      String key = Breakers.defaultKey(http.url(), null);
      return breakers.admits(task, step, key)
          ? null
          : "CircuitOpen: the breaker " + key + " is open";
    } catch (UrlTemplate.UnsafeUrlException e) {
      throw e;
    } catch (RuntimeException e) {
      return Reason.InvalidRequest.name() + ": " + e.getMessage();
    }
  }

  /**
   * A failed tool call: a Transient failure within the retry budget waits its backoff (a durable
   * timer, like any retry) and returns true; anything else returns false, and the caller hands the
   * failure to the model as the tool's result.
   */
  private boolean retry(
      Step step,
      UnitCheckpoint unit,
      Attempt attempt,
      String tool,
      Failure f,
      EffectivePolicy policy,
      List<EngineEvent> events) {
    unit.lastError = Errors.info(f, clock.instant());
    TransientRetry.Retry retry = f.tier() == Tier.Transient ? retries.next(unit, f, policy) : null;
    if (retry == null || loops.identical(unit, attempt, f, policy) != null) {
      String exhausted = retry == null && f.tier() == Tier.Transient ? ", attempts exhausted" : "";
      events.add(failed(step, unit, tool, Errors.reasonText(f) + exhausted));
      return false;
    }
    retries.wait(unit, f, retry.delay());
    events.add(
        EngineEvent.warning(
            EventType.StepRetrying,
            step.name,
            Units.label(unit) + "tool " + tool + ": " + Errors.reasonText(f) + ", " + retry.how()));
    return true;
  }

  private static EngineEvent failed(Step step, UnitCheckpoint unit, String tool, String error) {
    return EngineEvent.warning(
        EventType.ToolFailed,
        step.name,
        Units.label(unit)
            + "tool "
            + tool
            + ": "
            + error
            + "; the model gets the error as the tool's result");
  }
}
