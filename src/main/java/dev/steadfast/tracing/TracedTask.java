package dev.steadfast.tracing;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.engine.TaskRef;

/**
 * The task a span belongs to.
 *
 * @param key what its trace id is derived from: the uid in a cluster, the checkpointed run id
 *     locally
 * @param uid the Kubernetes uid, null for `steadfast run`
 */
public record TracedTask(String namespace, String name, String uid, String key) {

  /** The task, once its checkpoint has a run id (the engine's prepare gives it one). */
  public static TracedTask of(TaskRef task, AgentTaskStatus status) {
    String key =
        task.uid() != null
            ? task.uid()
            : status.checkpoint == null ? task.name() : status.checkpoint.runId;
    return new TracedTask(task.namespace(), task.name(), task.uid(), key);
  }

  /** A step's startedAt in the checkpoint (part of its span's id), null if it has none. */
  public static String startedAt(AgentTaskStatus status, String step) {
    return status.steps.stream()
        .filter(s -> s.name.equals(step))
        .map(s -> s.startedAt)
        .findFirst()
        .orElse(null);
  }
}
