package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.TaskPhase;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WaitingTasksTest {
  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

  WaitingTasks waiting = new WaitingTasks();

  static AgentTaskStatus status(TaskPhase phase, String stepStartedAt) {
    AgentTaskStatus s = new AgentTaskStatus();
    s.phase = phase;
    s.startedAt = "2026-01-01T10:00:00Z";
    s.currentStep = "b";
    StepStatus a = new StepStatus("a");
    a.startedAt = "2026-01-01T10:00:00Z";
    StepStatus b = new StepStatus("b");
    b.startedAt = stepStartedAt;
    s.steps.add(a);
    s.steps.add(b);
    return s;
  }

  @Test
  void theOldestWaitingStepOfEachNamespaceCountsFromWhenItStarted() {
    waiting.note(new ResourceID("x", "team-a"), status(TaskPhase.Waiting, "2026-01-01T11:50:00Z"));
    waiting.note(new ResourceID("y", "team-a"), status(TaskPhase.Waiting, "2026-01-01T11:30:00Z"));
    waiting.note(new ResourceID("z", "team-b"), status(TaskPhase.Waiting, "2026-01-01T11:59:00Z"));
    waiting.note(new ResourceID("r", "team-c"), status(TaskPhase.Running, "2026-01-01T08:00:00Z"));

    assertThat(waiting.oldestByNamespace(NOW))
        .isEqualTo(Map.of("team-a", Duration.ofMinutes(30), "team-b", Duration.ofMinutes(1)));
  }

  @Test
  void aStepThatRunsAnAttemptBetweenWaitsKeepsItsAge() {
    ResourceID id = new ResourceID("x", "team-a");
    waiting.note(id, status(TaskPhase.Waiting, "2026-01-01T11:00:00Z"));
    waiting.note(id, status(TaskPhase.Running, "2026-01-01T11:00:00Z"));
    assertThat(waiting.oldestByNamespace(NOW)).isEmpty();
    waiting.note(id, status(TaskPhase.Waiting, "2026-01-01T11:00:00Z"));
    assertThat(waiting.oldestByNamespace(NOW)).containsEntry("team-a", Duration.ofHours(1));
  }

  @Test
  void aTaskThatStopsWaitingOrIsDeletedIsDropped() {
    ResourceID done = new ResourceID("done", "team-a");
    ResourceID gone = new ResourceID("gone", "team-a");
    waiting.note(done, status(TaskPhase.Waiting, "2026-01-01T11:00:00Z"));
    waiting.note(gone, status(TaskPhase.Waiting, "2026-01-01T11:00:00Z"));
    waiting.note(done, status(TaskPhase.Succeeded, "2026-01-01T11:00:00Z"));
    waiting.forget(gone);
    assertThat(waiting.oldestByNamespace(NOW)).isEmpty();
  }

  @Test
  void withoutAStepStartTheTaskStartCountsAndAFutureTimeIsZero() {
    AgentTaskStatus noStep = status(TaskPhase.Waiting, null);
    waiting.note(new ResourceID("x", "team-a"), noStep);
    waiting.note(new ResourceID("y", "team-b"), status(TaskPhase.Waiting, "2026-01-01T13:00:00Z"));
    assertThat(waiting.oldestByNamespace(NOW))
        .isEqualTo(Map.of("team-a", Duration.ofHours(2), "team-b", Duration.ZERO));
  }
}
