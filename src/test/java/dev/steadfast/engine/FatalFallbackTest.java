package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.status.Conditions;
import dev.steadfast.local.LocalSession;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/tasks.md: a fatal error is not masked by fallbacks — the task stalls after the one request
 * that met it — unless a fallback lists the reason in onFatal; then that fallback runs, the fatal
 * error is still reported, and the task ends Degraded.
 */
class FatalFallbackTest {
  @TempDir Path secrets;

  static String step(LlmSimulator sim, String fallbacks) {
    return "  steps:\n    - name: ask\n      llm:\n        endpoint: '"
        + sim.baseUrl()
        + "/v1'\n        model: gpt-4o\n        messages: [{role: user, content: hi}]\n"
        + "      fallbacks:\n"
        + fallbacks;
  }

  AgentTaskStatus run(EngineHarness h, String spec) {
    Executor real = LocalSession.executors(Clock.systemUTC(), secrets);
    return h.run(EngineHarness.task(spec), real::execute);
  }

  @Test
  void unauthorizedStallsAfterOneRequestDespiteFallbacks() {
    try (LlmSimulator sim =
        LlmSimulator.builder().faults(FaultPlan.parse("401:1.0")).build().start()) {
      EngineHarness h = new EngineHarness();
      AgentTaskStatus s =
          run(
              h,
              step(
                  sim,
                  "        - llm: {model: gpt-4o-mini}\n"
                      + "        - http: {url: '"
                      + sim.baseUrl()
                      + "/items'}\n"
                      + "        - value: {answer: canned}\n"));

      assertThat(s.phase).isEqualTo(TaskPhase.Failed);
      assertThat(sim.requests()).hasSize(1);
      assertThat(Conditions.find(s.conditions, Conditions.STALLED).reason)
          .isEqualTo("Unauthorized");
      assertThat(Conditions.isTrue(s.conditions, Conditions.DEGRADED)).isFalse();
      assertThat(s.steps.get(0).fallback).isNull();
      assertThat(h.reasons()).contains("FatalError").doesNotContain("FallbackUsed");
    }
  }

  @Test
  void aFallbackThatListsTheReasonInOnFatalIsTried() {
    // The first provider's quota is gone; the second model is not affected.
    try (LlmSimulator sim =
        LlmSimulator.builder().faults(FaultPlan.parse("quota@1-99/gpt-4o")).build().start()) {
      EngineHarness h = new EngineHarness();
      AgentTaskStatus s =
          run(
              h,
              step(
                  sim,
                  "        - value: {answer: hides-nothing}\n"
                      + "        - llm: {model: gpt-4o-mini}\n          onFatal: [QuotaExhausted]\n"));

      assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
      assertThat(sim.requests())
          .extracting(r -> r.model())
          .containsExactly("gpt-4o", "gpt-4o-mini");
      assertThat(s.steps.get(0).fallback).isEqualTo("llm");
      assertThat(Conditions.find(s.conditions, Conditions.DEGRADED).reason)
          .isEqualTo("FallbackUsed");
      assertThat(h.events)
          .filteredOn(e -> e.reason().equals("FatalError"))
          .extracting(EngineEvent::message)
          .singleElement()
          .asString()
          .contains("QuotaExhausted (429)", "fallback 2");
    }
  }

  @Test
  void aFallbackForAnotherReasonDoesNotMaskThisOne() {
    try (LlmSimulator sim =
        LlmSimulator.builder().faults(FaultPlan.parse("401:1.0")).build().start()) {
      EngineHarness h = new EngineHarness();
      AgentTaskStatus s =
          run(h, step(sim, "        - value: {answer: canned}\n          onFatal: [NotFound]\n"));

      assertThat(s.phase).isEqualTo(TaskPhase.Failed);
      assertThat(sim.requests()).hasSize(1);
      assertThat(s.steps.get(0).lastError.reason).isEqualTo("Unauthorized");
    }
  }
}
