package dev.steadfast.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.ItemCounts;
import dev.steadfast.api.Step;
import dev.steadfast.api.StepCheckpoint;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.expr.ExpressionException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The start of a step: its {@code when} decides whether it runs, its forEach items (at most
 * --max-items) become one unit each, a plain step gets one unit.
 */
final class StepStart {
  private final Clock clock;
  private final Renderer renderer;
  private final int maxItems;

  StepStart(Clock clock, Renderer renderer, int maxItems) {
    if (maxItems < 1) {
      throw new IllegalArgumentException("--max-items must be at least 1, got " + maxItems);
    }
    this.clock = clock;
    this.renderer = renderer;
    this.maxItems = maxItems;
  }

  /** Starts step {@code i}. False when nothing is left to run (skipped, empty, or failed). */
  boolean begin(TaskRef task, AgentTaskStatus status, int i, List<EngineEvent> events) {
    Step step = task.spec().steps.get(i);
    StepStatus ss = status.steps.get(i);
    StepCheckpoint cp = status.checkpoint.steps.get(i);
    Instant now = clock.instant();
    Map<String, Object> vars = renderer.variables(task, status, null, null);
    try {
      if (step.when != null && !renderer.when(step.when, vars)) {
        ss.phase = StepPhase.Skipped;
        ss.completedAt = now.toString();
        events.add(
            EngineEvent.normal(EventType.StepSkipped, step.name, "when is false: " + step.when));
        return false;
      }
      if (step.forEach != null) {
        List<JsonNode> items = renderer.items(step.forEach.items, vars);
        Failure tooMany = ItemLimit.check(step.name, items.size(), maxItems);
        if (tooMany != null) {
          Steps.failTask(task, status, tooMany, now, events);
          return false;
        }
        for (int k = 0; k < items.size(); k++) {
          cp.units.add(new UnitCheckpoint(k));
        }
        ss.items = new ItemCounts();
        ss.items.total = items.size();
        ss.items.succeeded = 0;
        ss.items.failed = 0;
        if (items.isEmpty()) {
          ss.phase = StepPhase.Succeeded;
          ss.output = JsonNodeFactory.instance.arrayNode();
          ss.startedAt = ss.completedAt = now.toString();
          events.add(EngineEvent.normal(EventType.StepSucceeded, step.name, "no items"));
          return false;
        }
      } else {
        cp.units.add(new UnitCheckpoint(null));
      }
    } catch (ExpressionException e) {
      Steps.failTask(task, status, Errors.invalidSpec(step, e), now, events);
      return false;
    }
    ss.phase = StepPhase.Running;
    ss.startedAt = now.toString();
    events.add(EngineEvent.normal(EventType.StepStarted, step.name, describe(step)));
    return true;
  }

  private static String describe(Step step) {
    String kind =
        step.http != null
            ? "http"
            : step.llm != null ? "llm" : step.agent != null ? "agent" : "job";
    return step.forEach == null ? kind : kind + " forEach";
  }
}
