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
}
