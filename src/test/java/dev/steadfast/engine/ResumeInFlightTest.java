package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A process killed while forEach items are in flight and an earlier item waits for its backoff: the
 * restarted engine must start the in-flight items again, not stall (issue 12, RunKillSuiteIT).
 */
class ResumeInFlightTest {
  private static final TaskRef TASK =
      EngineHarness.task(
          "  inputs: {xs: [1, 2, 3, 4, 5, 6]}\n  steps:\n    - name: each\n"
              + "      forEach: {items: inputs.xs, concurrency: 2}\n"
              + "      retry: {maxAttempts: 3}\n"
              + "      http: {url: 'http://api.test/{{ item }}'}\n");

  @Test
  void inFlightItemsAfterAWaitingItemAreStartedAgainAfterARestart() throws Exception {
    EngineHarness before = new EngineHarness();
    AgentTaskStatus s = new AgentTaskStatus();
    before.engine.prepare(TASK, s);
    List<EngineEvent> events = new ArrayList<>();
    Plan first = before.engine.plan(TASK, s, Set.of(), events);
    assertThat(first.start()).extracting(Attempt::item).containsExactly(0, 1);
    // Item 0 fails transiently (a backoff) while item 1 still runs; item 2 takes item 0's slot.
    before.engine.complete(
        TASK,
        s,
        first.start().get(0),
        new Outcome.Failed(Failure.of(Tier.Transient, "ServerError", "503")),
        Duration.ofMillis(5),
        events);
    Plan second = before.engine.plan(TASK, s, Set.of(first.start().get(1).key()), events);
    assertThat(second.start()).extracting(Attempt::item).containsExactly(2);

    // Killed here: the checkpoint holds item 0 waiting and items 1 and 2 in flight.
    AgentTaskStatus saved = Json.MAPPER.readValue(Json.write(s), AgentTaskStatus.class);
    EngineHarness after = new EngineHarness();
    after.clock.set(before.clock.instant());
    after.engine.prepare(TASK, saved);
    Plan resumed = after.engine.plan(TASK, saved, Set.of(), events);

    assertThat(resumed.finished()).isFalse();
    assertThat(resumed.start())
        .as("in-flight items are sent again with their keys")
        .extracting(Attempt::key)
        .containsExactlyInAnyOrder(first.start().get(1).key(), second.start().get(0).key());

    // And the task runs to the end from there.
    AgentTaskStatus done =
        after.resume(
            TASK,
            saved,
            r -> new Outcome.Success(Json.MAPPER.valueToTree(((Call.HttpCall) r.call()).url())),
            100);
    assertThat(done.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(done.steps.get(0).items.succeeded).isEqualTo(6);
  }
}
