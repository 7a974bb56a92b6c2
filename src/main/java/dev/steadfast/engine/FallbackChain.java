package dev.steadfast.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Fallback;
import dev.steadfast.api.Step;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import java.util.List;

/**
 * docs/tasks.md fallbacks: when a step's own handling runs out, its fallbacks are tried in order
 * (stage n is the n-th fallback). A value or cache fallback answers at once, without a call. A
 * Fatal failure is not masked: only a fallback whose onFatal lists the reason runs after one.
 */
final class FallbackChain {
  private final ResponseCache cache;
  private final AttemptRenderer renderer;

  FallbackChain(ResponseCache cache, AttemptRenderer renderer) {
    this.cache = cache;
    this.renderer = renderer;
  }

  static List<Fallback> of(Step step) {
    return step.fallbacks == null ? List.of() : step.fallbacks;
  }

  /** The fallback of {@code stage}, or null for stage 0 (the step itself). */
  static Fallback at(Step step, int stage) {
    return stage == 0 ? null : step.fallbacks.get(stage - 1);
  }

  /** A value or cache fallback: answered by the engine itself, no attempt runs. */
  static boolean answersInline(Fallback fallback) {
    return fallback != null && (fallback.value != null || fallback.cache != null);
  }

  /** The outcome of a value or cache fallback (the cache holds the step's own past outputs). */
  Outcome inline(
      TaskRef task, AgentTaskStatus status, int i, UnitCheckpoint unit, Fallback fallback) {
    if (fallback.value != null) {
      return new Outcome.Success(fallback.value);
    }
    Step step = task.spec().steps.get(i);
    try {
      Attempt primary = renderer.render(task, status, i, unit, 0, 0);
      return cache
          .get(task.namespace(), cacheKey(step, primary.digest()))
          .<Outcome>map(Outcome.Success::new)
          .orElse(cacheMiss("no cached output for this request"));
    } catch (RuntimeException e) {
      return cacheMiss("cannot compute the cache key: " + e.getMessage());
    }
  }

  /** Keeps the output of the step's own request for a later cache fallback. */
  void remember(TaskRef task, Step step, Attempt attempt, JsonNode output) {
    if (attempt.stage() == 0 && attempt.digest() != null) {
      cache.put(task.namespace(), cacheKey(step, attempt.digest()), output);
    }
  }

  /**
   * A failure nothing else handles: the unit moves to the next fallback that may take it, or fails.
   * A Fatal failure skips every fallback whose onFatal does not list its reason.
   */
  void afterFailure(Step step, UnitCheckpoint unit, Failure f, List<EngineEvent> events) {
    if (f.tier() == Tier.Fatal) {
      int next = onFatal(step, unit.stage, f.reason());
      if (next < 0) {
        // docs/tasks.md: a fatal error is not masked. A fallback with the same key would fail the
        // same
        // way and a value would hide a revoked key: the step fails and the task stalls, so the
        // Secret-change retry (or a person) can act.
        failed(unit);
        return;
      }
      // The fallback opted in to this reason: it runs, and the fatal error is still reported.
      events.add(
          EngineEvent.warning(
              EventType.FatalError,
              step.name,
              Units.label(unit)
                  + Errors.reasonText(f)
                  + ": "
                  + f.message()
                  + "; trying fallback "
                  + next
                  + " (its onFatal lists "
                  + f.reason()
                  + ")"));
      while (unit.stage < next) {
        Units.nextStage(unit);
      }
      return;
    }
    if (unit.stage < of(step).size()) {
      events.add(
          EngineEvent.warning(
              EventType.StepRetrying,
              step.name,
              Units.label(unit)
                  + Errors.reasonText(f)
                  + (f.tier() == Tier.Transient ? ", attempts exhausted" : "")
                  + "; trying fallback "
                  + (unit.stage + 1)));
      Units.nextStage(unit);
      return;
    }
    failed(unit);
  }

  /**
   * The stage (1-based fallback number) after {@code stage} whose fallback lists the fatal {@code
   * reason} in onFatal, or -1 when none does.
   */
  static int onFatal(Step step, int stage, String reason) {
    List<Fallback> chain = of(step);
    for (int s = stage; s < chain.size(); s++) {
      if (chain.get(s).takesFatal(reason)) {
        return s + 1;
      }
    }
    return -1;
  }

  private static void failed(UnitCheckpoint unit) {
    unit.phase = StepPhase.Failed;
    unit.nextAttemptAt = null;
    unit.waitReason = null;
  }

  private static Outcome cacheMiss(String message) {
    return new Outcome.Failed(Failure.of(Tier.Recoverable, Reason.CacheMiss.name(), message));
  }

  private static String cacheKey(Step step, String digest) {
    return step.name + "/" + digest;
  }
}
