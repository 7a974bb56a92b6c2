package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.status.Conditions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A retry (the steadfast.dev/retry annotation, a changed Secret, `steadfast run --retry`, all
 * through {@link TaskEngine#retryFailed}) refreshes the task's budget as well as the failed steps'
 * (docs/cli.md): a task that failed on maxTotalAttempts or its deadline runs again instead of
 * failing again at once.
 */
class RetryBudgetTest {
  static final String STEP =
      "  steps:\n    - name: a\n"
          + "      retry: {maxAttempts: 20, backoff: {initialDelay: 10s, jitter: None}}\n"
          + TaskEngineTest.HTTP;

  static Function<AttemptRequest, Outcome> failingThenOk(int failures) {
    AtomicInteger calls = new AtomicInteger();
    return r ->
        calls.incrementAndGet() <= failures
            ? TaskEngineTest.fail(Tier.Transient, "ServerError", 500, null)
            : TaskEngineTest.ok("done");
  }

  @Test
  void aRetryAfterMaxTotalAttemptsGivesTheTaskAFreshAttemptBudget() {
    EngineHarness h = new EngineHarness();
    TaskRef t = EngineHarness.task("  maxTotalAttempts: 3\n" + STEP);
    AgentTaskStatus s = h.run(t, failingThenOk(100));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("LoopDetected");
    assertThat(h.requests).hasSize(3);

    h.engine.retryFailed(s);
    // Two more failures, then the server is fixed: 3 attempts, within a fresh budget of 3.
    AgentTaskStatus done = h.resume(t, s, failingThenOk(2), 50);

    assertThat(done.phase).as(done.message).isEqualTo(TaskPhase.Succeeded);
    assertThat(h.requests).hasSize(6);
    assertThat(done.attempts).isEqualTo(6); // the Attempts column still shows the whole task
    assertThat(Conditions.isTrue(done.conditions, Conditions.STALLED)).isFalse();
  }

  @Test
  void theBudgetRefreshedByARetryIsEnforcedAgain() {
    EngineHarness h = new EngineHarness();
    TaskRef t = EngineHarness.task("  maxTotalAttempts: 3\n" + STEP);
    AgentTaskStatus s = h.run(t, failingThenOk(100));
    h.engine.retryFailed(s);
    AgentTaskStatus again = h.resume(t, s, failingThenOk(100), 50);

    assertThat(again.phase).isEqualTo(TaskPhase.Failed);
    assertThat(again.steps.get(0).lastError.reason).isEqualTo("LoopDetected");
    assertThat(h.requests).hasSize(6);
  }

  @Test
  void aRetryAfterTheDeadlineCountsTheDeadlineFromTheRetry() {
    EngineHarness h = new EngineHarness();
    TaskRef t = EngineHarness.task("  deadline: 1m\n" + STEP);
    AgentTaskStatus s = h.run(t, failingThenOk(100));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("DeadlineExceeded");
    int before = h.requests.size();

    h.clock.advance(Duration.ofHours(1)); // the person took an hour to fix the server
    h.engine.retryFailed(s);
    AgentTaskStatus done = h.resume(t, s, failingThenOk(1), 50);

    assertThat(done.phase).as(done.message).isEqualTo(TaskPhase.Succeeded);
    assertThat(h.requests).hasSize(before + 2);
  }
}
