package dev.steadfast.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.Cloner;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * JOSDK's cloner for the tasks it hands to a reconcile: it hands the task itself. JOSDK's default
 * writes the whole task to JSON and parses it back before every reconcile, about 5% of the
 * operator's CPU at a hundred steps a second, to protect its cache from a reconciler that changes
 * what it is given. Ours does not: it copies the status before the engine works on it ({@link
 * StatusCheckpointStore#load}) and writes a new object ({@link StatusCheckpointStore#save}).
 *
 * <p>{@link #checking} keeps that true: it remembers each task as it was first handed out, and
 * {@link #changed} names those that differ now. The operator's tests run with it.
 */
final class SharedTasks implements Cloner {
  private final KubernetesSerialization json;
  private final Map<HasMetadata, String> handedOut;

  private SharedTasks(KubernetesSerialization json, Map<HasMetadata, String> handedOut) {
    this.json = json;
    this.handedOut = handedOut;
  }

  static SharedTasks shared() {
    return new SharedTasks(null, null);
  }

  static SharedTasks checking(KubernetesSerialization json) {
    return new SharedTasks(json, new IdentityHashMap<>());
  }

  @Override
  public <R extends HasMetadata> R clone(R task) {
    if (handedOut != null) {
      String now = json.asJson(task);
      synchronized (handedOut) {
        handedOut.putIfAbsent(task, now);
      }
    }
    return task;
  }

  /** The tasks handed out that are not what they were then: empty unless {@link #checking}. */
  List<String> changed() {
    List<String> changed = new ArrayList<>();
    if (handedOut == null) {
      return changed;
    }
    synchronized (handedOut) {
      handedOut.forEach(
          (task, then) -> {
            if (!then.equals(json.asJson(task))) {
              changed.add(
                  task.getMetadata().getNamespace()
                      + "/"
                      + task.getMetadata().getName()
                      + " at resourceVersion "
                      + task.getMetadata().getResourceVersion());
            }
          });
    }
    return changed;
  }
}
