package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.validation.Problem;
import java.util.Collections;
import java.util.LinkedHashMap;
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
 *
 * <p>Tasks are often created in batches from one template: the same spec under many names. What
 * validation reads is the spec, the apiVersion and kind and whether there is a name, so its answer
 * is also kept by a digest of those, for the last {@value #SPECS} different ones: a thousand tasks
 * of one template cost one validation, not a thousand.
 */
final class ValidatedGenerations {
  // A bound in case entries outlive their tasks (a delete this process never saw): far above the
  // tasks one operator holds, and clearing only costs one validation each.
  static final int MAX_ENTRIES = 100_000;

  /** Different specs whose problems are kept by their content. */
  static final int SPECS = 256;

  private record Validated(long generation, List<Problem> problems) {}

  private final Function<AgentTask, List<Problem>> validator;
  private final Map<String, Validated> byUid = new ConcurrentHashMap<>();
  private final Map<String, List<Problem>> bySpec =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, List<Problem>> eldest) {
              return size() > SPECS;
            }
          });

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
    String content = contentDigest(task);
    List<Problem> problems = bySpec.get(content);
    if (problems == null) {
      problems = List.copyOf(validator.apply(task));
      bySpec.put(content, problems);
    }
    if (byUid.size() >= MAX_ENTRIES) {
      byUid.clear();
    }
    byUid.put(uid, new Validated(generation, problems));
    return problems;
  }

  /** A digest of what validation reads: apiVersion, kind, whether a name is given, the spec. */
  private static String contentDigest(AgentTask task) {
    Map<String, Object> read = new LinkedHashMap<>();
    read.put("apiVersion", task.getApiVersion());
    read.put("kind", task.getKind());
    String name = task.getMetadata() == null ? null : task.getMetadata().getName();
    read.put("named", name != null && !name.isBlank());
    read.put("spec", task.getSpec());
    return Json.sha256(read);
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
