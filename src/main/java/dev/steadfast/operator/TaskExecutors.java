package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.executors.ChaosExecutor;
import java.security.SecureRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor a task's attempts run on: the shared executors behind --egress-allow, plus the
 * task's steadfast.dev/chaos faults when --enable-chaos is on.
 */
public final class TaskExecutors {
  private static final Logger LOG = LoggerFactory.getLogger(TaskExecutors.class);
  private final Executor shared;
  private final boolean chaosEnabled;

  public TaskExecutors(Executor shared, boolean chaosEnabled) {
    this.shared = shared;
    this.chaosEnabled = chaosEnabled;
  }

  public Executor forTask(AgentTask task) {
    var annotations = task.getMetadata().getAnnotations();
    String chaos = annotations == null ? null : annotations.get(AgentTask.CHAOS_ANNOTATION);
    if (!chaosEnabled || chaos == null) {
      return shared;
    }
    try {
      return ChaosExecutor.wrap(shared, chaos, new SecureRandom());
    } catch (IllegalArgumentException e) {
      LOG.warn(
          "{}/{}: ignoring {}: {}",
          task.getMetadata().getNamespace(),
          task.getMetadata().getName(),
          AgentTask.CHAOS_ANNOTATION,
          e.getMessage());
      return shared;
    }
  }
}
