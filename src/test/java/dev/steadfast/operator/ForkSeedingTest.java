package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForkSeedingTest {
  static AgentTask task(Map<String, String> annotations, AgentTaskStatus status) {
    AgentTask t = new AgentTask();
    t.getMetadata().setName("f");
    t.getMetadata().setNamespace("team-a");
    t.getMetadata().setAnnotations(annotations);
    t.setStatus(status);
    return t;
  }

  @Test
  void onlyAForkWithNothingWrittenYetIsSeeded() {
    Map<String, String> fork =
        Map.of(AgentTask.FORK_OF_ANNOTATION, "essay", AgentTask.FORK_FROM_ANNOTATION, "write");
    assertThat(ForkSeeding.pending(task(fork, null))).isTrue();
    // Seeded once: any status written since (seeded, running, refused) means never again, however
    // the annotations are edited afterwards.
    assertThat(ForkSeeding.pending(task(fork, new AgentTaskStatus()))).isFalse();
    assertThat(
            ForkSeeding.pending(
                task(Map.of(AgentTask.FORK_OF_ANNOTATION, "other"), new AgentTaskStatus())))
        .isFalse();
    assertThat(ForkSeeding.pending(task(null, null))).isFalse();
    assertThat(ForkSeeding.pending(task(Map.of("a", "b"), null))).isFalse();
  }

  @Test
  void theSourceIsABareNameInTheForksNamespace() {
    assertThat(ForkSeeding.problem("essay", "write")).isNull();
    assertThat(ForkSeeding.problem("essay.v2", "write")).isNull();
    for (String refused :
        new String[] {"team-b/essay", "/essay", "essay/", "Essay", "essay_1", "", "-essay"}) {
      assertThat(ForkSeeding.problem(refused, "write"))
          .as(refused)
          .startsWith("the annotation steadfast.dev/fork-of must be the bare name of a task");
    }
    assertThat(ForkSeeding.problem("a".repeat(254), "write")).isNotNull();
    assertThat(ForkSeeding.problem("essay", null))
        .isEqualTo("the annotation steadfast.dev/fork-from must name the step the fork runs from");
    assertThat(ForkSeeding.problem("essay", " ")).isNotNull();
  }
}
