package dev.steadfast.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.steadfast.api.ErrorInfo;
import dev.steadfast.api.Fallback;
import dev.steadfast.api.LlmStep;
import dev.steadfast.api.Step;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.GoDuration;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.llm.OutputValidator;
import dev.steadfast.engine.policy.BackoffSchedule;
import dev.steadfast.engine.policy.EffectivePolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * What a unit does after an attempt, per the taxonomy: Transient → retry with backoff (honouring
 * Retry-After) until the budget, window or loop guard says stop; Recoverable → its specific
 * handling (truncate, repair); then the next fallback; then fail.
 */
final class Outcomes {
  private static final int MAX_TRUNCATIONS = 8;
  private final Clock clock;
  private final RandomGenerator random;

  Outcomes(Clock clock, RandomGenerator random) {
    this.clock = clock;
    this.random = random;
  }

  void succeed(
      Step step, UnitCheckpoint unit, Attempt attempt, JsonNode output, List<EngineEvent> events) {
    unit.phase = StepPhase.Succeeded;
    unit.output = output;
    unit.fallback = attempt.fallback();
    unit.nextAttemptAt = null;
    unit.waitReason = null;
    if (attempt.fallback() != null) {
      events.add(
          EngineEvent.warning(
              "FallbackUsed",
              step.name,
              label(unit)
                  + "fallback "
                  + attempt.stage()
                  + " ("
                  + attempt.fallback()
                  + ") produced the output"));
    }
  }

  /** An agent iteration: keep the transcript, start the next one at once. */
  Failure progress(Step step, UnitCheckpoint unit, Outcome.Progress p, List<EngineEvent> events) {
    unit.transcript = p.transcript();
    unit.iterations = inc(unit.iterations);
    nextAction(unit);
    int max =
        step.agent == null || step.agent.maxIterations == null ? 20 : step.agent.maxIterations;
    events.add(
        EngineEvent.normal(
            "AgentIteration",
            step.name,
            label(unit) + "iteration " + unit.iterations + ": " + p.note()));
    if (unit.iterations >= max) {
      unit.phase = StepPhase.Failed;
      return Failure.of(
          Tier.Fatal,
          "LoopDetected",
          "the agent did not answer within maxIterations (" + max + ")");
    }
    return null;
  }

  /**
   * Applies a failure to a unit. Returns a failure that must fail the whole task (loop detected),
   * or null when the unit retries, moves to a fallback, or fails on its own.
   */
  Failure fail(
      Step step,
      UnitCheckpoint unit,
      Attempt attempt,
      Outcome.Failed failed,
      EffectivePolicy policy,
      int fallbacks,
      List<EngineEvent> events) {
    Failure f = failed.failure();
    Instant now = clock.instant();
    unit.lastError = errorInfo(f);
    boolean retry = false;
    Duration delay = Duration.ZERO;
    String how = "";
    if (f.tier() == Tier.Transient) {
      Retry r = transientRetry(unit, f, policy);
      if (r != null) {
        delay = r.delay();
        retry = true;
        how = r.how();
      }
    } else if (f.tier() == Tier.Recoverable && "ContextOverflow".equals(f.reason())) {
      LlmStep llm = Renderer.llmFor(step, null);
      boolean truncate = llm == null || llm.onContextOverflow != LlmStep.ContextOverflow.Fail;
      // When the last round sent the very request that overflowed before, nothing is left to cut:
      // the handling has run out, so the step goes to its fallbacks or fails with ContextOverflow
      // (SPEC §2) instead of resending it until the loop guard calls it LoopDetected.
      boolean shrank = !fingerprint(unit, attempt, f).equals(unit.lastFingerprint);
      if (truncate && shrank && inc(unit.truncations) <= MAX_TRUNCATIONS) {
        unit.truncations = inc(unit.truncations);
        retry = true;
        how = "truncating the conversation (round " + unit.truncations + ") and retrying";
      }
    } else if (f.tier() == Tier.Recoverable && "InvalidOutput".equals(f.reason())) {
      LlmStep llm = Renderer.llmFor(step, null);
      int allowed = llm == null || llm.repairAttempts == null ? 2 : llm.repairAttempts;
      if (llm != null && inc(unit.repairs) <= allowed) {
        unit.repairs = inc(unit.repairs);
        appendRepair(unit, failed.invalidContent(), f, llm, step.agent != null);
        retry = true;
        how =
            "asking again with the validation errors (repair " + unit.repairs + "/" + allowed + ")";
      }
    }
    if (retry) {
      Failure loop = loopCheck(unit, attempt, f, policy);
      if (loop != null) {
        unit.lastError = errorInfo(loop);
        unit.phase = StepPhase.Failed;
        events.add(EngineEvent.warning("LoopDetected", step.name, label(unit) + loop.message()));
        return loop;
      }
      wait(unit, f, delay);
      events.add(
          EngineEvent.warning("StepRetrying", step.name, label(unit) + reasonText(f) + ", " + how));
      return null;
    }
    if (f.tier() == Tier.Fatal) {
      int next = fatalFallback(step, unit.stage, f.reason());
      if (next < 0) {
        // SPEC §1: a fatal error is not masked. A fallback with the same key would fail the same
        // way and a value would hide a revoked key: the step fails and the task stalls, so the
        // Secret-change retry (or a person) can act.
        unit.phase = StepPhase.Failed;
        unit.nextAttemptAt = null;
        unit.waitReason = null;
        return null;
      }
      // The fallback opted in to this reason: it runs, and the fatal error is still reported.
      events.add(
          EngineEvent.warning(
              "FatalError",
              step.name,
              label(unit)
                  + reasonText(f)
                  + ": "
                  + f.message()
                  + "; trying fallback "
                  + next
                  + " (its onFatal lists "
                  + f.reason()
                  + ")"));
      while (unit.stage < next) {
        nextStage(unit);
      }
      return null;
    }
    if (unit.stage < fallbacks) {
      events.add(
          EngineEvent.warning(
              "StepRetrying",
              step.name,
              label(unit)
                  + reasonText(f)
                  + (f.tier() == Tier.Transient ? ", attempts exhausted" : "")
                  + "; trying fallback "
                  + (unit.stage + 1)));
      nextStage(unit);
      return null;
    }
    unit.phase = StepPhase.Failed;
    unit.nextAttemptAt = null;
    unit.waitReason = null;
    return null;
  }

  /**
   * A unit moves on to its next action (the next model call, or the next tool call of an agent):
   * that action gets the retry budget afresh.
   */
  static void nextAction(UnitCheckpoint unit) {
    unit.stageAttempts = 0;
    unit.transientRetries = null;
    unit.rateLimitRetries = null;
    unit.lastFingerprint = null;
    unit.identicalFailures = null;
    unit.phase = StepPhase.Pending;
    unit.nextAttemptAt = null;
    unit.waitReason = null;
  }

  /**
   * A failed tool call of an agent: a Transient failure within the retry budget waits its backoff
   * (a durable timer, like any retry) and returns true; anything else returns false, and the caller
   * hands the failure to the model as the tool's result — a failed tool is not a failed task.
   */
  boolean retryTool(
      Step step,
      UnitCheckpoint unit,
      Attempt attempt,
      String tool,
      Failure f,
      EffectivePolicy policy,
      List<EngineEvent> events) {
    unit.lastError = errorInfo(f);
    Retry retry = f.tier() == Tier.Transient ? transientRetry(unit, f, policy) : null;
    if (retry == null || loopCheck(unit, attempt, f, policy) != null) {
      events.add(
          EngineEvent.warning(
              "ToolFailed",
              step.name,
              label(unit)
                  + "tool "
                  + tool
                  + ": "
                  + reasonText(f)
                  + (retry == null && f.tier() == Tier.Transient ? ", attempts exhausted" : "")
                  + "; the model gets the error as the tool's result"));
      return false;
    }
    wait(unit, f, retry.delay());
    events.add(
        EngineEvent.warning(
            "StepRetrying",
            step.name,
            label(unit) + "tool " + tool + ": " + reasonText(f) + ", " + retry.how()));
    return true;
  }

  private record Retry(Duration delay, String how) {}

  /** The backoff of a Transient failure, or null when the budget or the window is spent. */
  private Retry transientRetry(UnitCheckpoint unit, Failure f, EffectivePolicy policy) {
    Instant now = clock.instant();
    boolean budget = policy.maxAttempts() == 0 || unit.stageAttempts < policy.maxAttempts();
    boolean window =
        unit.stageStartedAt == null
            || Duration.between(Instant.parse(unit.stageStartedAt), now)
                    .compareTo(policy.maxElapsed())
                < 0;
    if (!budget || !window) {
      return null;
    }
    boolean rateLimited = "RateLimited".equals(f.reason());
    int n =
        rateLimited
            ? (unit.rateLimitRetries = inc(unit.rateLimitRetries))
            : (unit.transientRetries = inc(unit.transientRetries));
    // Providers send reset headers on every reply; they only mean "wait" on 429/503/529.
    Duration asked = rateLimited || "Overloaded".equals(f.reason()) ? f.retryAfter() : null;
    Duration delay =
        BackoffSchedule.delay(
            rateLimited ? policy.rateLimit() : policy.backoff(), n, asked, random);
    return new Retry(
        delay,
        "retry "
            + (unit.stageAttempts + 1)
            + (policy.maxAttempts() == 0 ? "" : "/" + policy.maxAttempts())
            + " in "
            + GoDuration.format(delay));
  }

  private void wait(UnitCheckpoint unit, Failure f, Duration delay) {
    unit.phase = delay.isZero() ? StepPhase.Pending : StepPhase.Waiting;
    unit.waitReason = f.reason();
    unit.nextAttemptAt = delay.isZero() ? null : clock.instant().plus(delay).toString();
  }

  /** The same action failing the same way maxIdenticalFailures times in a row is a loop. */
  private Failure loopCheck(
      UnitCheckpoint unit, Attempt attempt, Failure f, EffectivePolicy policy) {
    String fingerprint = fingerprint(unit, attempt, f);
    if (fingerprint.equals(unit.lastFingerprint)) {
      unit.identicalFailures = inc(unit.identicalFailures);
    } else {
      unit.lastFingerprint = fingerprint;
      unit.identicalFailures = 1;
    }
    if (unit.identicalFailures >= policy.maxIdenticalFailures()) {
      return Failure.of(
          Tier.Fatal,
          "LoopDetected",
          "the same request failed with "
              + f.reason()
              + " "
              + unit.identicalFailures
              + " times in a row");
    }
    return null;
  }

  private static String fingerprint(UnitCheckpoint unit, Attempt attempt, Failure f) {
    return Json.sha256Hex(
        attempt.step() + "|" + unit.index + "|" + attempt.digest() + "|" + f.reason());
  }

  /**
   * The stage (1-based fallback number) after {@code stage} whose fallback lists the fatal {@code
   * reason} in onFatal, or -1 when none does.
   */
  private static int fatalFallback(Step step, int stage, String reason) {
    List<Fallback> chain = step.fallbacks == null ? List.of() : step.fallbacks;
    for (int s = stage; s < chain.size(); s++) {
      if (chain.get(s).takesFatal(reason)) {
        return s + 1;
      }
    }
    return -1;
  }

  static void nextStage(UnitCheckpoint unit) {
    unit.stage++;
    unit.stageAttempts = 0;
    unit.transientRetries = null;
    unit.rateLimitRetries = null;
    unit.repairs = null;
    unit.truncations = null;
    unit.transcript = null;
    unit.stageStartedAt = null;
    unit.nextAttemptAt = null;
    unit.lastFingerprint = null;
    unit.identicalFailures = null;
    unit.phase = StepPhase.Pending;
  }

  /**
   * Appends the bad answer and what was wrong with it. An agent's transcript is its conversation —
   * the tool calls it made and their results — so the repair goes after it: dropping it would make
   * the model call its tools again, and side-effecting tools would run twice. An llm step's
   * transcript holds only repair exchanges: the model needs the last bad answer, not every one.
   */
  private static void appendRepair(
      UnitCheckpoint unit, String invalid, Failure f, LlmStep llm, boolean agent) {
    ArrayNode transcript =
        unit.transcript instanceof ArrayNode a ? a : JsonNodeFactory.instance.arrayNode();
    if (!agent) {
      transcript.removeAll();
    }
    transcript.addObject().put("role", "assistant").put("content", invalid == null ? "" : invalid);
    List<String> problems = Arrays.asList(f.message().split("; "));
    transcript
        .addObject()
        .put("role", "user")
        .put("content", OutputValidator.repairPrompt(problems, llm.outputSchema));
    unit.transcript = transcript;
  }

  ErrorInfo errorInfo(Failure f) {
    return new ErrorInfo(
        f.tier(), f.reason(), truncate(f.message()), f.code(), clock.instant().toString());
  }

  static String reasonText(Failure f) {
    return f.reason() + (f.code() == null ? "" : " (" + f.code() + ")");
  }

  static String label(UnitCheckpoint unit) {
    return unit.index == null ? "" : "item " + unit.index + ": ";
  }

  private static int inc(Integer n) {
    return n == null ? 1 : n + 1;
  }

  static String truncate(String s) {
    if (s == null) {
      return null;
    }
    return s.length() <= 1024 ? s : s.substring(0, 1021) + "...";
  }
}
