package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Checkpoint;
import dev.steadfast.api.Step;
import dev.steadfast.api.Tier;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.policy.EffectivePolicy;
import org.junit.jupiter.api.Test;

/** docs/errors.md LoopDetected: the three guards that stop work going round without progress. */
class LoopDetectorTest {
  private static final String HTTP =
      "      http: {url: 'http://127.0.0.1:1/x'}\n"
          + "      loopDetection: {maxIdenticalFailures: 3}\n";
  private static final Failure SERVER = Failure.of(Tier.Transient, "ServerError", "500");
  private static final Failure TIMEOUT = Failure.of(Tier.Transient, "Timeout", "slow");

  private final LoopDetector loops = new LoopDetector();
  private final TaskRef task = EngineHarness.task("  steps:\n    - name: a\n" + HTTP);
  private final Step step = task.spec().steps.get(0);
  private final EffectivePolicy policy =
      EffectivePolicy.resolve(EffectivePolicy.defaults(), task.spec().policy, step);

  private static Attempt attempt(String digest) {
    return new Attempt("a", null, 1, 0, null, null, digest, null);
  }

  @Test
  void theSameRequestFailingTheSameWayMaxIdenticalFailuresTimesIsALoop() {
    UnitCheckpoint unit = new UnitCheckpoint(null);
    assertThat(loops.identical(unit, attempt("d1"), SERVER, policy)).isNull();
    assertThat(loops.identical(unit, attempt("d1"), SERVER, policy)).isNull();
    Failure loop = loops.identical(unit, attempt("d1"), SERVER, policy);

    assertThat(loop).isNotNull();
    assertThat(loop.tier()).isEqualTo(Tier.Fatal);
    assertThat(loop.reason()).isEqualTo("LoopDetected");
    assertThat(loop.message())
        .isEqualTo("the same request failed with ServerError 3 times in a row");
  }

  @Test
  void aDifferentReasonOrADifferentRequestStartsTheCountAgain() {
    UnitCheckpoint unit = new UnitCheckpoint(null);
    loops.identical(unit, attempt("d1"), SERVER, policy);
    loops.identical(unit, attempt("d1"), SERVER, policy);
    assertThat(loops.identical(unit, attempt("d1"), TIMEOUT, policy)).isNull();
    assertThat(loops.identical(unit, attempt("d2"), TIMEOUT, policy)).isNull();
    assertThat(loops.identical(unit, attempt("d2"), TIMEOUT, policy)).isNull();
    assertThat(loops.identical(unit, attempt("d2"), TIMEOUT, policy)).isNotNull();
  }

  @Test
  void anAgentThatDoesNotAnswerWithinMaxIterationsIsALoop() {
    TaskRef agent =
        EngineHarness.task(
            "  steps:\n    - name: a\n      agent:\n        maxIterations: 3\n"
                + "        llm: {endpoint: 'http://127.0.0.1:1/v1', model: m,"
                + " messages: [{role: user, content: hi}]}\n");
    Step s = agent.spec().steps.get(0);
    UnitCheckpoint unit = new UnitCheckpoint(null);
    unit.iterations = 2;
    assertThat(loops.iterations(s, unit)).isNull();
    unit.iterations = 3;
    assertThat(loops.iterations(s, unit).message())
        .isEqualTo("the agent did not answer within maxIterations (3)");
  }

  @Test
  void maxTotalAttemptsCountsFromTheLastRequestedRetry() {
    TaskRef bounded = EngineHarness.task("  maxTotalAttempts: 4\n  steps:\n    - name: a\n" + HTTP);
    AgentTaskStatus status = new AgentTaskStatus();
    status.checkpoint = new Checkpoint();
    status.attempts = 3;
    assertThat(loops.budgetSpent(bounded, status)).isNull();
    status.attempts = 4;
    assertThat(loops.budgetSpent(bounded, status).message())
        .isEqualTo("maxTotalAttempts (4) spent");

    // A person asked for a retry after attempt 4: the budget counts again from there.
    status.checkpoint.attemptsBeforeBudget = 4;
    status.attempts = 7;
    assertThat(loops.budgetSpent(bounded, status)).isNull();
    status.attempts = 8;
    assertThat(loops.budgetSpent(bounded, status)).isNotNull();
  }
}
