package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.local.LocalSession;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An http step whose server sends a body that is not the declared JSON (cut off, an error page) is
 * retried like any transient failure, not failed at once: no repair can heal it, the next answer
 * often is whole (docs/errors.md).
 */
class HttpInvalidOutputTest {
  @TempDir Path secrets;

  @Test
  void aBrokenJsonBodyIsRetriedUntilTheServerAnswersWhole() {
    try (LlmSimulator sim =
        LlmSimulator.builder().faults(FaultPlan.parse("invalid-output@1-2/http")).build().start()) {
      String spec =
          "  steps:\n    - name: post\n"
              + "      retry: {maxAttempts: 4, backoff: {initialDelay: 1s, jitter: None}}\n"
              + "      http: {method: POST, url: '"
              + sim.baseUrl()
              + "/echo', body: {n: 1}}\n";
      Executor real = LocalSession.executors(Clock.systemUTC(), secrets);
      EngineHarness h = new EngineHarness();

      AgentTaskStatus status = h.run(EngineHarness.task(spec), real::execute);

      assertThat(status.phase).as(status.message).isEqualTo(TaskPhase.Succeeded);
      assertThat(sim.requests()).hasSize(3);
      assertThat(sim.requests().get(0).fault()).isEqualTo("invalid-output");
      assertThat(status.steps.get(0).output.path("echo").path("n").asInt()).isEqualTo(1);
      assertThat(h.events)
          .filteredOn(e -> e.reason().equals("StepRetrying"))
          .extracting(EngineEvent::message)
          .first()
          .asString()
          .startsWith("InvalidOutput, retry 2/4");
    }
  }
}
