package dev.steadfast.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.ErrorInfo;
import dev.steadfast.api.Step;
import dev.steadfast.api.StepCheckpoint;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.exec.Failure;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Instant;
import java.util.List;

/** Step-level bookkeeping: a step finishes when its units do; forEach tolerates failed items. */
final class Steps {
  private Steps() {}

  /**
   * Why the items failed, as counts by reason and the first failed item's message: the step's
   * reason is PartialFailure, and a person needs to see that it was, say, OutputTooLarge 16 times.
   */
  static String itemReasons(List<UnitCheckpoint> units) {
    java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
    UnitCheckpoint first = null;
    for (UnitCheckpoint u : units) {
      if (u.phase == StepPhase.Failed && u.lastError != null && u.lastError.reason != null) {
        counts.merge(u.lastError.reason, 1, Integer::sum);
        first = first == null ? u : first;
      }
    }
    if (first == null) {
      return "";
    }
    StringBuilder text = new StringBuilder(": ");
    counts.forEach((reason, n) -> text.append(reason).append(" ×").append(n).append(", "));
    text.setLength(text.length() - 2);
    String message = first.lastError.message == null ? "" : first.lastError.message;
    // The step's message goes into status.message and events, which are kept short.
    if (message.length() > 300) {
      message = message.substring(0, 300) + "…";
    }
    return text + " (item " + first.index + ": " + message + ")";
  }

  static void unitFinished(
      TaskRef task, AgentTaskStatus status, int i, Instant now, List<EngineEvent> events) {
    Step step = task.spec().steps.get(i);
    StepStatus ss = status.steps.get(i);
    StepCheckpoint cp = status.checkpoint.steps.get(i);
    if (step.forEach != null) {
      ss.items.succeeded =
          (int) cp.units.stream().filter(u -> u.phase == StepPhase.Succeeded).count();
      ss.items.failed = (int) cp.units.stream().filter(u -> u.phase == StepPhase.Failed).count();
    }
    if (!cp.units.stream().allMatch(u -> u.phase.isFinal())) {
      return;
    }
    ss.completedAt = now.toString();
    if (step.forEach == null) {
      UnitCheckpoint u = cp.units.get(0);
      ss.phase = u.phase;
      ss.output = u.output;
      ss.fallback = u.fallback;
      ss.degraded = u.fallback != null ? Boolean.TRUE : null;
      if (u.phase == StepPhase.Succeeded) {
        Units.settle(u);
        events.add(
            EngineEvent.normal(
                EventType.StepSucceeded,
                step.name,
                u.fallback == null ? "succeeded" : "succeeded through fallback " + u.fallback));
      } else {
        ss.lastError = u.lastError;
        stepFailed(task, status, step, ss, events);
      }
      return;
    }
    int failed = ss.items.failed;
    int tolerated = tolerated(step.forEach.toleratedFailures, ss.items.total);
    ArrayNode outputs = JsonNodeFactory.instance.arrayNode();
    cp.units.forEach(
        u ->
            outputs.add(
                u.phase == StepPhase.Succeeded ? u.output : JsonNodeFactory.instance.nullNode()));
    boolean anyFallback = cp.units.stream().anyMatch(u -> u.fallback != null);
    Failure tooLarge = OutputLimit.check("the list of item outputs", outputs);
    if (tooLarge != null) {
      ss.phase = StepPhase.Failed;
      ss.lastError =
          new ErrorInfo(
              tooLarge.tier(), tooLarge.reason(), tooLarge.message(), null, now.toString());
      stepFailed(task, status, step, ss, events);
      return;
    }
    if (failed > tolerated) {
      ss.phase = StepPhase.Failed;
      ss.lastError =
          new ErrorInfo(
              Tier.Recoverable,
              Reason.PartialFailure.name(),
              failed
                  + " of "
                  + ss.items.total
                  + " items failed ("
                  + tolerated
                  + " tolerated)"
                  + itemReasons(cp.units),
              null,
              now.toString());
      stepFailed(task, status, step, ss, events);
      return;
    }
    ss.phase = StepPhase.Succeeded;
    ss.output = outputs;
    // A tolerated item's failure stays on its unit: the only place that says why it failed.
    cp.units.stream().filter(u -> u.phase == StepPhase.Succeeded).forEach(Units::settle);
    ss.degraded = failed > 0 || anyFallback ? Boolean.TRUE : null;
    ss.fallback = anyFallback ? "items" : null;
    events.add(
        EngineEvent.normal(
            EventType.StepSucceeded,
            step.name,
            ss.items.succeeded
                + "/"
                + ss.items.total
                + " items succeeded"
                + (failed > 0 ? ", " + failed + " failed (tolerated)" : "")));
  }

  private static void stepFailed(
      TaskRef task, AgentTaskStatus status, Step step, StepStatus ss, List<EngineEvent> events) {
    ErrorInfo e = ss.lastError;
    String what = e == null ? "failed" : e.reason + ": " + e.message;
    events.add(EngineEvent.warning(EventType.StepFailed, step.name, what));
    if (e != null && e.tier == Tier.Fatal) {
      events.add(EngineEvent.warning(EventType.FatalError, step.name, what));
    }
    if (!Boolean.TRUE.equals(step.continueOnFailure)) {
      status.phase = TaskPhase.Failed;
    }
  }

  /**
   * Fails the task at its current step with a fatal reason (deadline, loop guard, invalid spec).
   */
  static void failTask(
      TaskRef task,
      AgentTaskStatus status,
      Failure failure,
      Instant now,
      List<EngineEvent> events) {
    for (int i = 0; i < status.steps.size(); i++) {
      StepStatus ss = status.steps.get(i);
      if (!ss.phase.isFinal() || i == status.steps.size() - 1) {
        if (!ss.phase.isFinal()) {
          ss.phase = StepPhase.Failed;
          ss.completedAt = now.toString();
          status.checkpoint.steps.get(i).units.forEach(Units::stop);
        }
        ss.lastError = Errors.info(failure, now);
        if (LoopDetector.isLoop(failure)
            && events.stream().noneMatch(ev -> ev.type() == EventType.LoopDetected)) {
          events.add(EngineEvent.warning(EventType.LoopDetected, ss.name, failure.message()));
        }
        events.add(
            EngineEvent.warning(
                EventType.FatalError, ss.name, failure.reason() + ": " + failure.message()));
        break;
      }
    }
    status.phase = TaskPhase.Failed;
  }

  /**
   * The outputs of step {@code stepName} cannot be kept: they are dropped and the step is made the
   * first unfinished one again, so {@link #failTask} records the failure there and a retry runs it.
   */
  static void discard(AgentTaskStatus status, String stepName) {
    for (int i = 0; i < status.steps.size(); i++) {
      StepStatus ss = status.steps.get(i);
      if (ss.name.equals(stepName) && status.checkpoint != null) {
        ss.output = null;
        ss.outputRef = null;
        status.checkpoint.steps.get(i).units.forEach(Units::discard);
        ss.phase = StepPhase.Running;
      }
    }
  }

  static int tolerated(IntOrString spec, int total) {
    if (spec == null) {
      return 0;
    }
    if (spec.getIntVal() != null) {
      return spec.getIntVal();
    }
    String s = spec.getStrVal().trim();
    if (s.endsWith("%")) {
      double pct = Double.parseDouble(s.substring(0, s.length() - 1));
      return (int) Math.floor(total * pct / 100.0);
    }
    return Integer.parseInt(s);
  }
}
