package dev.steadfast.engine;

import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Redactor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link Redactor} per task. A task's masks hold only the secret values its own attempts
 * resolved: masks shared across tasks would let one author learn, from which of their echoes come
 * back masked, the values another namespace's tasks hold, and would grow with every task ever run.
 * Held in memory only: after a restart the values are registered again as the resumed attempts
 * resolve them, and what was stored before the restart was stored redacted.
 */
final class TaskRedactors {
  private final Map<String, Redactor> byTask = new ConcurrentHashMap<>();

  Redactor forTask(TaskRef task) {
    return byTask.computeIfAbsent(key(task), k -> new Redactor());
  }

  /**
   * The task's redactor, holding also whatever the attempt's own one registered (they differ only
   * for an attempt started before the task was forgotten, e.g. across a retry of a finished task).
   */
  Redactor forOutcome(TaskRef task, AttemptRequest request) {
    Redactor redactor = forTask(task);
    if (request != null) {
      redactor.absorb(request.redactor());
    }
    return redactor;
  }

  /** The task finished or was deleted: its values are dropped. */
  void forget(TaskRef task) {
    byTask.remove(key(task));
  }

  int size() {
    return byTask.size();
  }

  private static String key(TaskRef task) {
    return task.namespace() + "/" + task.name() + "/" + task.uid();
  }
}
