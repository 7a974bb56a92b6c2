package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import java.util.Map;
import java.util.Objects;

/**
 * A task with nothing left to do: Succeeded at the generation it has now, and no retry token it has
 * not recorded yet. A reconcile of it would copy and re-validate its spec, hash it, copy its status
 * and compare it with what it would write, and find nothing to write; a restarted operator does
 * that for every finished task it lists. Failed tasks are not at rest: a fixed Secret or a retry
 * puts them back to work.
 */
final class TaskAtRest {
  private TaskAtRest() {}

  static boolean test(AgentTask task) {
    AgentTaskStatus status = task.getStatus();
    if (status == null
        || status.phase != TaskPhase.Succeeded
        || status.checkpoint == null
        || !Objects.equals(status.observedGeneration, task.getMetadata().getGeneration())) {
      return false;
    }
    Map<String, String> annotations = task.getMetadata().getAnnotations();
    String token = annotations == null ? null : annotations.get(AgentTask.RETRY_ANNOTATION);
    return token == null || token.equals(status.checkpoint.retryToken);
  }
}
