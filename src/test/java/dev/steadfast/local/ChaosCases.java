package dev.steadfast.local;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Condition;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.status.Conditions;
import dev.steadfast.simulator.FaultKind;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * The cases of the chaos suite (issue 12), shared by the engine's in-process suite ({@link
 * ChaosSuiteIT}) and the operator's on a real API server: for a fault kind and a seed, the task,
 * the simulator's seeded fault plan, and what a user must observe at the end.
 *
 * <p>A run's seed is the simulator's seed and picks the API (openai or anthropic) and, for Fatal
 * kinds, which call fails. Transient and Recoverable kinds fail {@link #RATE} of the requests and
 * must end Succeeded; Fatal kinds fail one call and must end Failed/Stalled with their reason after
 * exactly one attempt, with nothing sent after it.
 *
 * <p>Scope: {@code context}, {@code invalid-output} and {@code length} are injected into llm steps
 * only (the task has no http step for them), because docs/errors.md has an http step's
 * InvalidOutput retried as Transient and chaos fitted to the step kind, which another branch of
 * issue 12 delivers.
 */
public final class ChaosCases {
  /** Share of requests that fail in a Transient/Recoverable run. */
  public static final double RATE = 0.3;

  // Older turns can be dropped and the last message halved: 8 truncation rounds fit.
  static final String LONG = "Please keep this in mind. ".repeat(160);

  private ChaosCases() {}

  public enum Expect {
    SUCCEED,
    FATAL
  }

  public static Expect expect(FaultKind kind) {
    return kind == FaultKind.UNAUTHORIZED || kind == FaultKind.QUOTA
        ? Expect.FATAL
        : Expect.SUCCEED;
  }

  public static String fatalReason(FaultKind kind) {
    return kind == FaultKind.UNAUTHORIZED ? "Unauthorized" : "QuotaExhausted";
  }

  /** What the summary line says a kind must end as. */
  public static String expectation(FaultKind kind) {
    return expect(kind) == Expect.SUCCEED ? "expect Succeeded" : "expect " + fatalReason(kind);
  }

  /** Kinds an http step can be healed from today (see the class comment). */
  static boolean httpStep(FaultKind kind) {
    return kind != FaultKind.CONTEXT
        && kind != FaultKind.INVALID_OUTPUT
        && kind != FaultKind.LENGTH;
  }

  /** The task as `steadfast run` reads it: named "chaos", no Secret. */
  public static String task(String base, FaultKind kind, long seed) {
    return task(base, kind, seed, "{name: chaos}", null);
  }

  /**
   * The task with the given {@code metadata} flow map, its llm steps keyed by {@code secretRef}
   * (e.g. {@code {name: llm, key: api-key}}) when it is not null, as the operator needs.
   */
  public static String task(
      String base, FaultKind kind, long seed, String metadata, String secretRef) {
    String api = seed % 2 == 0 ? "openai" : "anthropic";
    String key = secretRef == null ? "" : "        apiKeySecretRef: " + secretRef + "\n";
    String history =
        "          - {role: system, content: 'You are terse.'}\n"
            + "          - {role: user, content: 'Earlier question one'}\n"
            + "          - {role: assistant, content: 'Earlier answer one'}\n"
            + "          - {role: user, content: 'Earlier question two'}\n"
            + "          - {role: assistant, content: 'Earlier answer two'}\n";
    StringBuilder y = new StringBuilder();
    y.append("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: ")
        .append(metadata)
        .append("\nspec:\n  policy:\n    timeout: 400ms\n")
        .append("    retry:\n      maxAttempts: 0\n")
        .append("      backoff: {initialDelay: 5ms, maxDelay: 20ms}\n")
        .append("      rateLimit: {initialDelay: 5ms, maxDelay: 20ms}\n")
        .append("    circuitBreaker: {slidingWindowSize: 100, minimumCalls: 100}\n")
        .append("    loopDetection: {maxIdenticalFailures: 40}\n")
        .append("  maxTotalAttempts: 1000\n  steps:\n");
    if (httpStep(kind)) {
      y.append("    - name: fetch\n      http: {url: 'SIM/items?count=2'}\n");
    }
    y.append("    - name: triage\n      llm:\n        api: ")
        .append(api)
        .append("\n        endpoint: SIM/v1\n        model: gpt-4o\n        responseFormat: json\n")
        .append(key)
        .append("        repairAttempts: 10\n")
        .append("        outputSchema:\n          type: object\n          required: [summary]\n")
        .append("          properties: {summary: {type: string}}\n")
        .append("        messages:\n")
        .append(history)
        .append("          - {role: user, content: 'Triage: " + LONG + "'}\n");
    y.append("    - name: answer\n      llm:\n        api: ")
        .append(api)
        .append(
            "\n        endpoint: SIM/v1\n        model: gpt-4o-mini\n        repairAttempts: 10\n")
        .append(key)
        .append("        messages:\n")
        .append(history)
        .append("          - {role: user, content: 'Answer: " + LONG + "'}\n");
    return y.toString().replace("SIM", base);
  }

  static int steps(FaultKind kind) {
    return httpStep(kind) ? 3 : 2;
  }

  /** The seeded plan: a rate for kinds that must heal, one failing call for Fatal kinds. */
  static FaultPlan plan(FaultKind kind, long seed) {
    if (expect(kind) == Expect.FATAL) {
      int call = 1 + new Random(seed).nextInt(steps(kind));
      return FaultPlan.none().schedule(kind.id(), call, call, null);
    }
    return FaultPlan.none().rate(kind.id(), RATE);
  }

  /** The run's own simulator on loopback, started, with the run's seeded faults. */
  public static LlmSimulator simulator(FaultKind kind, long seed) {
    return LlmSimulator.builder()
        .port(0)
        .seed(seed * 0x9E3779B97F4A7C15L) // spread neighbouring seeds apart
        .faults(plan(kind, seed))
        .retryAfterSeconds(0)
        .hangFor(Duration.ofSeconds(2))
        .build()
        .start();
  }

  /** How many of the simulator's requests carried the kind's fault. */
  public static int injected(FaultKind kind, List<RecordedRequest> requests) {
    return (int) requests.stream().filter(r -> kind.id().equals(r.fault())).count();
  }

  /** Why the run's end is not what its kind must end as; null when it is. */
  public static String verdict(
      AgentTaskStatus s, FaultKind kind, long seed, List<RecordedRequest> requests) {
    return expect(kind) == Expect.SUCCEED ? healed(s, kind) : stopped(s, kind, seed, requests);
  }

  static String healed(AgentTaskStatus s, FaultKind kind) {
    if (s.phase != TaskPhase.Succeeded) {
      return "ended " + s.phase + ": " + s.message;
    }
    for (StepStatus step : s.steps) {
      if (step.phase != StepPhase.Succeeded || Boolean.TRUE.equals(step.degraded)) {
        return "step " + step.name + " ended " + step.phase + " degraded=" + step.degraded;
      }
      if (step.output == null || step.output.isNull()) {
        return "step " + step.name + " has no output";
      }
    }
    return s.steps.size() == steps(kind) ? null : "only " + s.steps.size() + " steps in status";
  }

  static String stopped(
      AgentTaskStatus s, FaultKind kind, long seed, List<RecordedRequest> requests) {
    int call = 1 + new Random(seed).nextInt(steps(kind));
    String reason = fatalReason(kind);
    if (s.phase != TaskPhase.Failed) {
      return "ended " + s.phase + " (expected Failed): " + s.message;
    }
    Condition stalled =
        s.conditions.stream()
            .filter(c -> Conditions.STALLED.equals(c.type))
            .findFirst()
            .orElse(null);
    if (stalled == null || !"True".equals(stalled.status) || !reason.equals(stalled.reason)) {
      return "Stalled condition is "
          + (stalled == null ? "missing" : stalled.status + "/" + stalled.reason)
          + ", expected True/"
          + reason;
    }
    StepStatus failed = s.steps.get(call - 1);
    if (failed.phase != StepPhase.Failed
        || failed.lastError == null
        || !reason.equals(failed.lastError.reason)) {
      return "step " + failed.name + " ended " + failed.phase + " with " + failed.lastError;
    }
    if (!Integer.valueOf(1).equals(failed.attempts)) {
      return "step " + failed.name + " made " + failed.attempts + " attempts, expected 1";
    }
    // call N failed: the simulator got exactly N requests, the last one being the fault.
    if (requests.size() != call || !kind.id().equals(requests.get(call - 1).fault())) {
      return "simulator got " + requests.size() + " requests, expected " + call;
    }
    return null;
  }
}
