package dev.steadfast.engine;

import static dev.steadfast.engine.TaskEngineTest.HTTP;
import static dev.steadfast.engine.TaskEngineTest.fail;
import static dev.steadfast.engine.TaskEngineTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** docs/security.md "Bounded work per task": --max-items and the attempt budget. */
class TaskBoundsTest {
  static String forEachOver(int n) {
    String list =
        IntStream.range(0, n).mapToObj(Integer::toString).collect(Collectors.joining(","));
    return "  inputs: {xs: ["
        + list
        + "]}\n  steps:\n    - name: each\n      forEach: {items: inputs.xs, concurrency: 4}\n"
        + HTTP;
  }

  @Test
  void aForEachListOverMaxItemsFailsInvalidSpecNamingSizeAndLimitBeforeAnyItemRuns() {
    EngineHarness h = new EngineHarness(10);
    AgentTaskStatus s = h.run(EngineHarness.task(forEachOver(11)), r -> ok("x"));

    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("InvalidSpec");
    assertThat(s.steps.get(0).lastError.tier).isEqualTo(Tier.Fatal);
    assertThat(s.steps.get(0).lastError.message)
        .contains("each", "11 items", "limit of 10", "--max-items");
    assertThat(s.checkpoint.steps.get(0).units).isEmpty();
    assertThat(h.requests).isEmpty();
    assertThat(h.reasons()).contains("FatalError");
  }

  @Test
  void aForEachListOfExactlyMaxItemsRuns() {
    EngineHarness h = new EngineHarness(10);
    AgentTaskStatus s = h.run(EngineHarness.task(forEachOver(10)), r -> ok("x"));

    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(h.requests).hasSize(10);
  }

  @Test
  void theDefaultMaxItemsIsTenThousand() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus s = h.run(EngineHarness.task(forEachOver(10_001)), r -> ok("x"));

    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).lastError.message).contains("10001 items", "limit of 10000");
    assertThat(h.requests).isEmpty();
  }

  @Test
  void unlimitedRetriesStopAtTheDefaultTaskBudget() {
    // Loop detection and the breaker set out of the way: only the task budget is left.
    EngineHarness h = new EngineHarness();
    AgentTaskStatus s =
        h.run(
            EngineHarness.task(
                "  steps:\n    - name: a\n      loopDetection: {maxIdenticalFailures: 1000}\n"
                    + "      circuitBreaker: {minimumCalls: 1000, slidingWindowSize: 1000}\n"
                    + "      retry: {maxAttempts: 0, maxElapsed: 1000h,"
                    + " backoff: {initialDelay: 1ms, maxDelay: 1ms}}\n"
                    + HTTP),
            r -> fail(Tier.Transient, "ServerError", 500, null));

    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("LoopDetected");
    assertThat(s.message).contains("maxTotalAttempts (100) spent");
    assertThat(h.requests).hasSize(100);
  }

  @Test
  void aBudgetOverTheMaximumThatBypassedAdmissionIsCapped() {
    var t = EngineHarness.task("  maxTotalAttempts: 2000000000\n  steps:\n    - name: a\n" + HTTP);

    assertThat(LoopDetector.totalAttempts(t)).isEqualTo(100_000);
    assertThat(LoopDetector.totalAttempts(EngineHarness.task("  steps:\n    - name: a\n" + HTTP)))
        .isEqualTo(100);
  }
}
