package dev.steadfast.engine;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.engine.format.GoDuration;
import java.time.Duration;
import java.time.Instant;

/**
 * docs/tasks.md deadline: the task fails DeadlineExceeded once it passed. It counts from the task's
 * start, or from the last requested retry, which gives the task its time afresh (docs/cli.md).
 */
final class Deadline {
  private Deadline() {}

  /** When the task's deadline passes, or null when it has none. */
  static Instant due(TaskRef task, AgentTaskStatus status) {
    Duration deadline = GoDuration.parse(task.spec().deadline);
    if (deadline == null) {
      return null;
    }
    String since =
        status.checkpoint != null && status.checkpoint.budgetSince != null
            ? status.checkpoint.budgetSince
            : status.startedAt;
    return Instant.parse(since).plus(deadline);
  }
}
