package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Checkpoint;
import dev.steadfast.api.TaskPhase;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which tasks a reconcile may leave alone: only Succeeded ones with nothing new asked of them. */
class TaskAtRestTest {
  static AgentTask task(TaskPhase phase, long generation, Long observed, String retry) {
    AgentTask task = new AgentTask();
    task.setMetadata(
        new ObjectMetaBuilder()
            .withName("t")
            .withNamespace("ns")
            .withGeneration(generation)
            .withAnnotations(retry == null ? Map.of() : Map.of(AgentTask.RETRY_ANNOTATION, retry))
            .build());
    AgentTaskStatus status = new AgentTaskStatus();
    status.phase = phase;
    status.observedGeneration = observed;
    status.checkpoint = new Checkpoint();
    status.checkpoint.retryToken = "r1";
    task.setStatus(status);
    return task;
  }

  @Test
  void aTaskSucceededAtItsGenerationIsAtRest() {
    assertThat(TaskAtRest.test(task(TaskPhase.Succeeded, 3, 3L, null))).isTrue();
    assertThat(TaskAtRest.test(task(TaskPhase.Succeeded, 3, 3L, "r1"))).as("retry done").isTrue();
  }

  @Test
  void aNewSpecANewRetryOrAnUnfinishedOrFailedTaskIsNot() {
    assertThat(TaskAtRest.test(task(TaskPhase.Succeeded, 4, 3L, null))).as("new spec").isFalse();
    assertThat(TaskAtRest.test(task(TaskPhase.Succeeded, 3, 3L, "r2"))).as("new retry").isFalse();
    assertThat(TaskAtRest.test(task(TaskPhase.Failed, 3, 3L, null))).as("failed").isFalse();
    assertThat(TaskAtRest.test(task(TaskPhase.Running, 3, 3L, null))).as("running").isFalse();
    assertThat(TaskAtRest.test(task(TaskPhase.Suspended, 3, 3L, null))).isFalse();
    AgentTask fresh = task(TaskPhase.Succeeded, 1, 1L, null);
    fresh.setStatus(null);
    assertThat(TaskAtRest.test(fresh)).as("no status").isFalse();
  }
}
