package dev.steadfast.engine;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskSpec;
import java.util.Map;

/**
 * The identity and desired state of a task, as the engine sees it: no Kubernetes types.
 *
 * @param uid the task's uid in a cluster; null locally (a run id is generated and checkpointed)
 */
public record TaskRef(
    String name,
    String namespace,
    String uid,
    Long generation,
    AgentTaskSpec spec,
    Map<String, String> annotations) {

  /**
   * The one way both drivers see an AgentTask. A task read from a file was never stored by an API
   * server: it has no uid, and its first generation is 1.
   *
   * @param defaultNamespace the namespace of a task whose metadata names none
   */
  public static TaskRef of(AgentTask task, String defaultNamespace) {
    return of(task, defaultNamespace, true);
  }

  /**
   * A task run from a file: a uid or generation it carries (exported from a cluster) is not this
   * run's, which gets a run id of its own.
   */
  public static TaskRef local(AgentTask task) {
    return of(task, "default", false);
  }

  private static TaskRef of(AgentTask task, String defaultNamespace, boolean stored) {
    var m = task.getMetadata();
    return new TaskRef(
        m.getName(),
        m.getNamespace() == null ? defaultNamespace : m.getNamespace(),
        stored ? m.getUid() : null,
        !stored || m.getGeneration() == null ? 1L : m.getGeneration(),
        task.getSpec(),
        m.getAnnotations() == null ? Map.of() : m.getAnnotations());
  }
}
