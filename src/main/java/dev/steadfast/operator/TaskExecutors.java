package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.executors.ExecutorWiring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor a task's attempts run on (see {@link ExecutorWiring#forTask}); an annotation it
 * cannot read is logged and ignored, so one task's typo does not stop its reconcile.
 */
public final class TaskExecutors implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskExecutors.class);
  private final ExecutorWiring wiring;

  public TaskExecutors(ExecutorWiring wiring) {
    this.wiring = wiring;
  }

  public Executor forTask(AgentTask task) {
    try {
      return wiring.forTask(task.getMetadata().getAnnotations());
    } catch (IllegalArgumentException e) {
      LOG.warn(
          "{}/{}: ignoring {}: {}",
          task.getMetadata().getNamespace(),
          task.getMetadata().getName(),
          AgentTask.CHAOS_ANNOTATION,
          e.getMessage());
      return wiring.shared();
    }
  }

  /** Closes the shared HTTP client, once no attempt runs any more. */
  @Override
  public void close() {
    wiring.close();
  }
}
