package dev.steadfast.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.steadfast.api.AgentTaskSpec;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Fallback;
import dev.steadfast.api.HttpStep;
import dev.steadfast.api.JobStep;
import dev.steadfast.api.LlmStep;
import dev.steadfast.api.Message;
import dev.steadfast.api.Step;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.expr.Cel;
import dev.steadfast.engine.expr.CelValues;
import dev.steadfast.engine.expr.Template;
import dev.steadfast.engine.expr.UrlTemplate;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.llm.ChatMessage;
import dev.steadfast.engine.llm.ContextTruncator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a step (or one of its fallbacks) into a fully resolved {@link Call}: templates rendered
 * against inputs, earlier outputs and the forEach item; repair messages and context truncation from
 * the checkpoint applied, so a resumed attempt sends the same request.
 */
final class Renderer {
  // Cel.tasks() at each use, not held from construction: building the CEL runtime is a good part of
  // the operator's start, and a renderer is made when the engine is wired, long before a template
  // is rendered; the start-up warm-up builds it meanwhile.
  private static Cel cel() {
    return Cel.tasks();
  }

  /** CEL variables for a step: inputs, steps.NAME.output, task, and item/index inside forEach. */
  Map<String, Object> variables(
      TaskRef task, AgentTaskStatus status, JsonNode item, Integer index) {
    Map<String, Object> vars = new HashMap<>();
    AgentTaskSpec spec = task.spec();
    vars.put(
        "inputs",
        CelValues.fromJson(
            spec.inputs == null ? JsonNodeFactory.instance.objectNode() : spec.inputs));
    Map<String, Object> steps = new LinkedHashMap<>();
    for (StepStatus s : status.steps) {
      if (s.phase == StepPhase.Succeeded
          || s.phase == StepPhase.Failed
          || s.phase == StepPhase.Skipped) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("output", CelValues.fromJson(s.output));
        entry.put("phase", s.phase.name());
        steps.put(s.name, entry);
      }
    }
    vars.put("steps", steps);
    vars.put(
        "task",
        Map.of("name", task.name(), "namespace", task.namespace() == null ? "" : task.namespace()));
    vars.put("item", CelValues.fromJson(item));
    vars.put("index", index == null ? CelValues.fromJson(null) : (Object) index.longValue());
    vars.put("response", CelValues.fromJson(null));
    vars.put("error", CelValues.fromJson(null));
    vars.put("args", CelValues.fromJson(null));
    return vars;
  }

  boolean when(String expression, Map<String, Object> vars) {
    return cel().evalBoolean(expression, vars);
  }

  List<JsonNode> items(String expression, Map<String, Object> vars) {
    JsonNode list = cel().evalJson(expression, vars);
    if (!list.isArray()) {
      throw new dev.steadfast.engine.expr.ExpressionException(
          expression,
          "forEach.items must yield a list, got " + list.getNodeType().name().toLowerCase());
    }
    List<JsonNode> out = new ArrayList<>();
    list.forEach(out::add);
    return out;
  }

  /** The LLM settings of a stage: the step's own, or an llm fallback merged over them. */
  static LlmStep llmFor(Step step, Fallback fallback) {
    LlmStep base = step.llm != null ? step.llm : step.agent != null ? step.agent.llm : null;
    if (fallback == null || fallback.llm == null) {
      return base;
    }
    JsonNode merged = Json.tree(base);
    ((com.fasterxml.jackson.databind.node.ObjectNode) merged)
        .setAll((com.fasterxml.jackson.databind.node.ObjectNode) Json.tree(fallback.llm));
    return Json.convert(merged, LlmStep.class);
  }

  Call.HttpCall http(HttpStep http, Map<String, Object> vars) {
    return Call.HttpCall.render(http, vars);
  }

  Call.LlmCall llm(
      LlmStep llm, Map<String, Object> vars, UnitCheckpoint unit, boolean withRepairs) {
    List<ChatMessage> messages = new ArrayList<>();
    for (Message m : llm.messages) {
      messages.add(new ChatMessage(m.role.name(), Template.renderText(cel(), m.content, vars)));
    }
    if (withRepairs && unit.transcript != null && unit.transcript.isArray()) {
      for (JsonNode m : unit.transcript) {
        messages.add(new ChatMessage(m.path("role").asText(), m.path("content").asText()));
      }
    }
    for (int i = 0; i < (unit.truncations == null ? 0 : unit.truncations); i++) {
      messages = ContextTruncator.shrink(messages).orElse(messages);
    }
    if (llm.contextWindow != null) {
      int reserve = llm.maxTokens == null ? 1024 : llm.maxTokens;
      messages = ContextTruncator.fit(messages, Math.max(1, llm.contextWindow - reserve));
    }
    boolean json = llm.responseFormat == LlmStep.ResponseFormat.json || llm.outputSchema != null;
    return new Call.LlmCall(
        llm.api == null ? "openai" : llm.api.name(),
        UrlTemplate.render(cel(), llm.endpoint, vars),
        llm.model,
        llm.apiKeySecretRef,
        List.copyOf(messages),
        llm.maxTokens,
        llm.temperature,
        json,
        llm.outputSchema);
  }

  Call.JobCall job(JobStep job, Map<String, Object> vars, String taskName, JsonNode inputs) {
    JobStep rendered = Json.copy(job, JobStep.class);
    if (rendered.args != null) {
      rendered.args = rendered.args.stream().map(a -> Template.renderText(cel(), a, vars)).toList();
    }
    if (rendered.env != null) {
      rendered.env.forEach(
          e -> e.value = e.value == null ? null : Template.renderText(cel(), e.value, vars));
    }
    return new Call.JobCall(
        rendered, taskName, inputs == null ? JsonNodeFactory.instance.objectNode() : inputs);
  }
}
