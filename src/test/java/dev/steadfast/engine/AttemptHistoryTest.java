package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.AttemptRecord;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.exec.TokenUsage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** status.steps[].history: each attempt's line, the last ten kept and the older ones counted. */
class AttemptHistoryTest {

  @Test
  void aStepThatRetriedSixteenTimesKeepsItsLastTenAttemptsAndCountsTheRest() {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  steps:\n    - name: a\n"
                + "      retry: {maxAttempts: 30, backoff: {initialDelay: 10s, multiplier: 1, jitter: None}}\n"
                + "      loopDetection: {maxIdenticalFailures: 30}\n"
                + "      circuitBreaker: {minimumCalls: 1000, slidingWindowSize: 1000}\n"
                + TaskEngineTest.HTTP);

    java.util.concurrent.atomic.AtomicInteger calls =
        new java.util.concurrent.atomic.AtomicInteger();
    AgentTaskStatus s =
        h.run(
            t,
            r -> {
              int n = calls.incrementAndGet();
              return n <= 15
                  ? new Outcome.Failed(
                      new Failure(Tier.Transient, "ServerError", "boom", 500, null))
                  : TaskEngineTest.ok("done");
            });

    assertThat(s.phase).as(s.message).isEqualTo(TaskPhase.Succeeded);
    StepStatus step = s.steps.get(0);
    assertThat(step.history).hasSize(AttemptHistory.LIMIT);
    assertThat(step.historyDropped).isEqualTo(16 - AttemptHistory.LIMIT);
    assertThat(step.history.stream().map(r -> r.attempt).toList())
        .containsExactly(7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    AttemptRecord failed = step.history.get(0);
    assertThat(failed.outcome).isEqualTo("Failed");
    assertThat(failed.tier).isEqualTo(Tier.Transient);
    assertThat(failed.reason).isEqualTo("ServerError");
    assertThat(failed.code).isEqualTo(500);
    assertThat(failed.wait).isNotNull();
    assertThat(failed.nextAttemptAt).isNotNull();
    AttemptRecord last = step.history.get(AttemptHistory.LIMIT - 1);
    assertThat(last.outcome).isEqualTo("Succeeded");
    assertThat(last.reason).isNull();
    assertThat(last.wait).isNull();
  }

  @Test
  void aFirstAttemptThatSucceededHasNoLineTheStepsOwnFieldsSayIt() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus s =
        h.run(
            EngineHarness.task(
                "  steps:\n    - name: a\n"
                    + TaskEngineTest.HTTP
                    + "    - name: b\n"
                    + "      retry: {maxAttempts: 2, backoff: {initialDelay: 1s, jitter: None}}\n"
                    + TaskEngineTest.HTTP),
            new java.util.function.Function<>() {
              int calls;

              @Override
              public Outcome apply(dev.steadfast.engine.exec.AttemptRequest r) {
                return ++calls == 2
                    ? new Outcome.Failed(
                        new Failure(Tier.Transient, "ServerError", "boom", 503, null))
                    : TaskEngineTest.ok("done");
              }
            });
    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    StepStatus a = s.steps.get(0);
    assertThat(a.history).isNull();
    assertThat(a.attempts).isEqualTo(1);
    assertThat(a.completedAt).isNotNull();
    assertThat(s.steps.get(1).history)
        .extracting(r -> r.attempt + " " + r.outcome)
        .containsExactly("1 Failed", "2 Succeeded");
  }

  @Test
  void aRetryingAttemptRecordsHowLongItWaitsAndAModelCallItsTokensAndCost() throws Exception {
    Pricing pricing = Pricing.parse("big: {input: 1, output: 2}");
    EngineHarness h = new EngineHarness(pricing);
    TaskRef t =
        EngineHarness.task(
            "  steps:\n    - name: a\n"
                + "      retry: {maxAttempts: 3, backoff: {initialDelay: 10s, jitter: None}}\n"
                + TaskEngineTest.LLM);
    java.util.concurrent.atomic.AtomicInteger calls =
        new java.util.concurrent.atomic.AtomicInteger();
    AgentTaskStatus s =
        h.run(
            t,
            r ->
                calls.incrementAndGet() == 1
                    ? new Outcome.Failed(
                        new Failure(Tier.Transient, "ServerError", "boom", 500, null),
                        null,
                        new TokenUsage(100, 0))
                    : new Outcome.Success(
                        com.fasterxml.jackson.databind.node.TextNode.valueOf("ok"),
                        new TokenUsage(1000, 500)));

    List<AttemptRecord> history = s.steps.get(0).history;
    assertThat(history).hasSize(2);
    assertThat(history.get(0).wait).isEqualTo("10s");
    assertThat(history.get(0).message).isEqualTo("boom");
    assertThat(history.get(0).usage.inputTokens).isEqualTo(100);
    assertThat(history.get(1).usage.inputTokens).isEqualTo(1000);
    assertThat(history.get(1).usage.outputTokens).isEqualTo(500);
    assertThat(history.get(1).usage.cost).isEqualTo("0.002");
    assertThat(s.steps.get(0).historyDropped).isNull();
  }

  @Test
  void aLongMessageIsShortenedInTheHistoryButNotInLastError() {
    EngineHarness h = new EngineHarness();
    TaskRef t = EngineHarness.task("  steps:\n    - name: a\n" + TaskEngineTest.HTTP);
    String longMessage = "x".repeat(900);
    AgentTaskStatus s =
        h.run(
            t,
            r -> new Outcome.Failed(new Failure(Tier.Fatal, "BadRequest", longMessage, 400, null)));

    assertThat(s.steps.get(0).history).hasSize(1);
    assertThat(s.steps.get(0).history.get(0).message).hasSize(AttemptHistory.MESSAGE_CHARS);
    assertThat(s.steps.get(0).lastError.message).hasSize(900);
  }
}
