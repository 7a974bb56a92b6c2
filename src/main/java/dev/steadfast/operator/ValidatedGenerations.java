package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.validation.Problem;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The validation of each task's current spec, done once per generation. Validation reads the spec
 * (which only a new generation changes) and the task's name and kind (which never change), yet
 * costs a JSON Schema pass and every CEL rule, and reconciles come far more often than new specs:
 * every checkpoint, retry and wake-up. Keyed by uid, so a task deleted and created again under its
 * name is validated afresh.
 */
final class ValidatedGenerations {
  // A bound in case entries outlive their tasks (a delete this process never saw): far above the
  // tasks one operator holds, and clearing only costs one validation each.
  static final int MAX_ENTRIES = 100_000;

  private record Validated(long generation, List<Problem> problems) {}

  private final Function<AgentTask, List<Problem>> validator;
  private final Map<String, Validated> byUid = new ConcurrentHashMap<>();

  ValidatedGenerations(Function<AgentTask, List<Problem>> validator) {
    this.validator = validator;
  }

  /** The problems of the task's spec, from the validator once per generation. */
  List<Problem> problems(AgentTask task) {
    String uid = task.getMetadata().getUid();
    Long generation = task.getMetadata().getGeneration();
    if (uid == null || generation == null) {
      return validator.apply(task); // nothing to key on
    }
    Validated known = byUid.get(uid);
    if (known != null && known.generation() == generation) {
      return known.problems();
    }
    List<Problem> problems = List.copyOf(validator.apply(task));
    if (byUid.size() >= MAX_ENTRIES) {
      byUid.clear();
    }
    byUid.put(uid, new Validated(generation, problems));
    return problems;
  }

  /** The task is gone. */
  void forget(AgentTask task) {
    if (task.getMetadata().getUid() != null) {
      byUid.remove(task.getMetadata().getUid());
    }
  }

  int size() {
    return byUid.size();
  }
}
