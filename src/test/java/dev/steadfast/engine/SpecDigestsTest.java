package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTaskStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecDigestsTest {
  private static final String ONE_STEP =
      "  steps:\n    - name: a\n      http: {url: 'https://api.test/a'}\n";
  private static final String TWO_STEPS =
      ONE_STEP + "    - name: b\n      http: {url: 'https://api.test/b'}\n";

  private static TaskRef ref(String yaml, String uid, long generation) {
    TaskRef t = EngineHarness.task(yaml);
    return new TaskRef(t.name(), t.namespace(), uid, generation, t.spec(), Map.of());
  }

  @Test
  void aNewGenerationIsDigestedAfresh() {
    SpecDigests digests = new SpecDigests();
    String first = digests.of(ref(ONE_STEP, "u", 1));
    String second = digests.of(ref(TWO_STEPS, "u", 2));
    assertThat(first).isEqualTo(Checkpoints.specDigest(ref(ONE_STEP, "u", 1).spec()));
    assertThat(second)
        .isEqualTo(Checkpoints.specDigest(ref(TWO_STEPS, "u", 2).spec()))
        .isNotEqualTo(first);
  }

  @Test
  void aGenerationSeenBeforeIsNotDigestedAgain() {
    SpecDigests digests = new SpecDigests();
    String first = digests.of(ref(ONE_STEP, "u", 1));
    // The same uid and generation always carry the same spec in a cluster; a different one here
    // shows the digest came from memory.
    assertThat(digests.of(ref(TWO_STEPS, "u", 1))).isEqualTo(first);
    assertThat(digests.size()).isEqualTo(1);
    digests.forget(ref(ONE_STEP, "u", 1));
    assertThat(digests.size()).isZero();
  }

  @Test
  void aTaskWithoutUidIsDigestedEachTime() {
    SpecDigests digests = new SpecDigests();
    digests.of(ref(ONE_STEP, null, 1));
    assertThat(digests.of(ref(TWO_STEPS, null, 1)))
        .isEqualTo(Checkpoints.specDigest(ref(TWO_STEPS, null, 1).spec()));
    assertThat(digests.size()).isZero();
  }

  @Test
  void aChangedSpecStillResetsTheCheckpointFromTheChangedStep() {
    TaskEngine engine = new EngineHarness().engine;
    AgentTaskStatus status = new AgentTaskStatus();
    engine.prepare(ref(ONE_STEP, "u", 1), status);
    String before = status.checkpoint.specHash;
    engine.prepare(ref(TWO_STEPS, "u", 2), status);
    assertThat(status.checkpoint.specHash).isNotEqualTo(before);
    assertThat(status.steps).extracting(s -> s.name).containsExactly("a", "b");
  }

  /**
   * A checkpoint keeps the first 32 hex digits of each digest; one written before, with all 64,
   * still matches, so an upgraded operator re-runs no finished step.
   */
  @Test
  void aCheckpointWithTheFullDigestsOfAnEarlierVersionKeepsItsFinishedSteps() {
    TaskRef two = ref(TWO_STEPS, "u", 1);
    EngineHarness h = new EngineHarness();
    AgentTaskStatus status = new AgentTaskStatus();
    var events = new java.util.ArrayList<EngineEvent>();
    h.engine.prepare(two, status);
    h.engine.complete(
        two,
        status,
        h.engine.plan(two, status, java.util.Set.of(), events).start().get(0),
        TaskEngineTest.ok("A"),
        java.time.Duration.ZERO,
        events);
    assertThat(status.checkpoint.specHash).hasSize(32);
    assertThat(status.checkpoint.steps).allSatisfy(c -> assertThat(c.definitionHash).hasSize(32));
    // As an earlier version wrote it: the whole SHA-256 of the spec and of each step.
    String spec = Checkpoints.specDigest(two.spec());
    status.checkpoint.specHash = spec;
    for (int i = 0; i < 2; i++) {
      status.checkpoint.steps.get(i).definitionHash =
          dev.steadfast.engine.format.Json.sha256(
              Map.of("step", two.spec().steps.get(i), "inputs", String.valueOf(two.spec().inputs)));
    }
    assertThat(status.checkpoint.specHash).hasSize(64).startsWith(spec.substring(0, 32));

    EngineHarness fresh = new EngineHarness();
    AgentTaskStatus done = fresh.resume(two, status, r -> TaskEngineTest.ok("B"), 10);
    assertThat(done.phase).isEqualTo(dev.steadfast.api.TaskPhase.Succeeded);
    assertThat(fresh.requests)
        .singleElement()
        .satisfies(r -> assertThat(r.idempotencyKey()).isEqualTo("u/b/-/1"));
    assertThat(fresh.reasons()).doesNotContain("SpecChanged");
    assertThat(done.steps.get(0).output.asText()).isEqualTo("A");

    // A spec that does change step a still re-runs it.
    TaskRef changed = ref(TWO_STEPS.replace("api.test/a", "api.test/a2"), "u", 2);
    EngineHarness third = new EngineHarness();
    third.resume(changed, done, r -> TaskEngineTest.ok("C"), 10);
    assertThat(third.requests).anySatisfy(r -> assertThat(r.idempotencyKey()).startsWith("u/a/"));
  }
}
