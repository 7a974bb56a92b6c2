package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.EngineEvent;
import dev.steadfast.engine.Reason;
import dev.steadfast.engine.TaskEngine;
import dev.steadfast.engine.TaskRef;
import dev.steadfast.engine.exec.Failure;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Starts a fork (a task annotated {@code steadfast.dev/fork-of} and {@code
 * steadfast.dev/fork-from}) from its source's checkpoint, once: on its first reconcile, before it
 * has a status. The source is read from the fork's own namespace only (the annotation holds a bare
 * name), so a fork shows its author no output they could not read already. The source's outputs
 * stored in ConfigMaps are read back here and stored again by the checkpoint write as the fork's
 * own, owned by the fork alone.
 */
final class ForkSeeding {
  /** A DNS-1123 subdomain, as the API server allows for a task's name: no '/', no namespace. */
  private static final Pattern NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private final TaskEngine engine;
  private final StatusCheckpointStore store;

  ForkSeeding(TaskEngine engine, StatusCheckpointStore store) {
    this.engine = engine;
    this.store = store;
  }

  /** A fork not started yet: the annotation is there and nothing was ever written to status. */
  static boolean pending(AgentTask task) {
    Map<String, String> annotations = task.getMetadata().getAnnotations();
    return task.getStatus() == null
        && annotations != null
        && annotations.containsKey(AgentTask.FORK_OF_ANNOTATION);
  }

  /** Seeds {@code status} from the source, or fails the task saying why it cannot. */
  void seed(
      KubernetesClient client,
      AgentTask task,
      TaskRef ref,
      AgentTaskStatus status,
      List<EngineEvent> events) {
    Map<String, String> annotations = task.getMetadata().getAnnotations();
    String source = annotations.get(AgentTask.FORK_OF_ANNOTATION).trim();
    String from = annotations.get(AgentTask.FORK_FROM_ANNOTATION);
    String problem = problem(source, from);
    if (problem != null) {
      engine.refuseFork(
          ref, status, Failure.of(Tier.Fatal, Reason.InvalidSpec.name(), problem), events);
      return;
    }
    String namespace = task.getMetadata().getNamespace();
    AgentTask found =
        client.resources(AgentTask.class).inNamespace(namespace).withName(source).get();
    if (found != null && found.getMetadata().getUid().equals(task.getMetadata().getUid())) {
      found = null; // a task cannot be its own source
    }
    AgentTaskStatus sourceStatus = found == null ? null : store.load(found);
    engine.fork(ref, status, source, sourceStatus, from.trim(), events);
  }

  /** What is wrong with the annotations, or null. */
  static String problem(String source, String from) {
    if (source.length() > 253 || !NAME.matcher(source).matches()) {
      return "the annotation "
          + AgentTask.FORK_OF_ANNOTATION
          + " must be the bare name of a task in the same namespace, not '"
          + (source.length() > 80 ? source.substring(0, 80) + "…" : source)
          + "'";
    }
    if (from == null || from.isBlank()) {
      return "the annotation "
          + AgentTask.FORK_FROM_ANNOTATION
          + " must name the step the fork runs from";
    }
    return null;
  }
}
