package dev.steadfast.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Fallback;
import dev.steadfast.api.Step;
import dev.steadfast.api.Tool;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.expr.ExpressionException;
import dev.steadfast.engine.expr.UrlTemplate;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.policy.EffectivePolicy;
import java.util.List;
import java.util.Map;

/**
 * Turns a unit's next attempt into the request an executor runs: the call (the step's, its current
 * fallback's, or the agent's pending tool call) rendered from the task's inputs and earlier
 * outputs, the breaker that guards it, and its Idempotency-Key.
 */
final class AttemptRenderer {
  private final Renderer renderer;
  private final TaskRedactors redactors;
  private final TaskPolicies policies;

  AttemptRenderer(Renderer renderer, TaskRedactors redactors, TaskPolicies policies) {
    this.renderer = renderer;
    this.redactors = redactors;
    this.policies = policies;
  }

  /** The spec cannot render this attempt: the task fails with {@link #failure()}, Fatal. */
  static final class Unrenderable extends Exception {
    private final transient Failure failure;

    Unrenderable(Failure failure) {
      super(failure.message(), null, false, false);
      this.failure = failure;
    }

    Failure failure() {
      return failure;
    }
  }

  /** Attempt {@code number} of a unit at its current stage. */
  Attempt attempt(TaskRef task, AgentTaskStatus status, int i, UnitCheckpoint unit, int number)
      throws Unrenderable {
    try {
      return render(task, status, i, unit, unit.stage, number);
    } catch (UrlTemplate.UnsafeUrlException e) {
      throw new Unrenderable(Errors.invalidSpec(urlField(task, i, unit) + ": " + e.getMessage()));
    } catch (ExpressionException e) {
      throw new Unrenderable(Errors.invalidSpec(task.spec().steps.get(i), e));
    } catch (IllegalArgumentException e) {
      throw new Unrenderable(
          Errors.invalidSpec(task.spec().steps.get(i).name + ": " + e.getMessage()));
    }
  }

  /** The Idempotency-Key of attempt {@code number} of a unit: the one function that builds it. */
  static String key(TaskRef task, AgentTaskStatus status, Step step, UnitCheckpoint unit, int n) {
    String runId = task.uid() != null ? task.uid() : status.checkpoint.runId;
    return IdempotencyKey.of(runId, step.name, unit.index, n).toString();
  }

  Attempt render(
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
    Fallback fallback = FallbackChain.at(step, stage);
    EffectivePolicy policy = policies.of(task, step);
    Call call;
    String breakerKey;
    AgentTools.Pending tool = ToolCalls.pending(step, unit, fallback);
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
    AttemptRequest request =
        new AttemptRequest(
            task.namespace(),
            key(task, status, step, unit, number),
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
    Fallback fallback = FallbackChain.at(step, unit.stage);
    AgentTools.Pending tool = ToolCalls.pending(step, unit, fallback);
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
}
