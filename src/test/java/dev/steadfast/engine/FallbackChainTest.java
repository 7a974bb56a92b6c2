package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.Step;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.exec.Failure;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/tasks.md fallbacks: tried in order once a failure's own handling ran out; a Fatal failure is
 * not masked unless a fallback opts in to its reason with onFatal.
 */
class FallbackChainTest {
  private final FallbackChain chain = new FallbackChain(ResponseCache.inMemory(16), null);
  private final List<EngineEvent> events = new ArrayList<>();
  private final Step step =
      EngineHarness.task(
              "  steps:\n    - name: ask\n"
                  + "      http: {url: 'http://127.0.0.1:1/x'}\n"
                  + "      fallbacks:\n"
                  + "        - value: {answer: canned}\n"
                  + "        - http: {url: 'http://127.0.0.1:2/x'}\n"
                  + "          onFatal: [Unauthorized]\n")
          .spec()
          .steps
          .get(0);

  @Test
  void aFatalFailureNoFallbackOptsInToFailsTheUnitWithoutTryingAny() {
    UnitCheckpoint unit = new UnitCheckpoint(null);
    chain.afterFailure(step, unit, Failure.of(Tier.Fatal, "Forbidden", "403"), events);

    assertThat(unit.phase).isEqualTo(StepPhase.Failed);
    assertThat(unit.stage).isZero();
    assertThat(events).isEmpty();
  }

  @Test
  void aFatalFailureSkipsToTheFallbackWhoseOnFatalListsItAndIsStillReported() {
    UnitCheckpoint unit = new UnitCheckpoint(null);
    chain.afterFailure(step, unit, Failure.of(Tier.Fatal, "Unauthorized", "401"), events);

    assertThat(unit.stage).as("the value fallback would mask a revoked key").isEqualTo(2);
    assertThat(unit.phase).isEqualTo(StepPhase.Pending);
    assertThat(events).extracting(EngineEvent::reason).containsExactly("FatalError");
    assertThat(events.get(0).message())
        .contains("trying fallback 2 (its onFatal lists Unauthorized)");
  }

  @Test
  void otherFailuresTryTheNextFallbackThenFail() {
    UnitCheckpoint unit = new UnitCheckpoint(null);
    Failure exhausted = Failure.of(Tier.Transient, "ServerError", "500");
    chain.afterFailure(step, unit, exhausted, events);
    assertThat(unit.stage).isEqualTo(1);
    assertThat(events.get(0).message())
        .isEqualTo("ServerError, attempts exhausted; trying fallback 1");

    chain.afterFailure(step, unit, exhausted, events);
    assertThat(unit.stage).isEqualTo(2);
    chain.afterFailure(step, unit, exhausted, events);
    assertThat(unit.phase).as("no fallback left").isEqualTo(StepPhase.Failed);
  }
}
