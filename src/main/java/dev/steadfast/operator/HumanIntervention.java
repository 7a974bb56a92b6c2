package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Checkpoint;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.EngineEvent;
import dev.steadfast.engine.EventType;
import dev.steadfast.engine.Reason;
import dev.steadfast.engine.TaskEngine;
import dev.steadfast.engine.status.Conditions;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a person does to get a Failed task going again, noticed on the next reconcile: the retry
 * annotation, or a change to a referenced Secret after the task stalled on Unauthorized, Forbidden,
 * SecretNotFound or SecretNotAllowed (adding an annotation changes the Secret's resourceVersion
 * too).
 */
final class HumanIntervention {
  private static final Set<String> SECRET_REASONS =
      Set.of(
          Reason.Unauthorized.name(),
          Reason.Forbidden.name(),
          Reason.SecretNotFound.name(),
          Reason.SecretNotAllowed.name());

  private final TaskEngine engine;
  private final SecretVersions secrets;

  HumanIntervention(TaskEngine engine, SecretVersions secrets) {
    this.engine = engine;
    this.secrets = secrets;
  }

  /** Puts a Failed task back to work when a person asked for it or fixed its Secret. */
  void apply(AgentTask task, AgentTaskStatus status, List<EngineEvent> events) {
    Checkpoint cp = status.checkpoint;
    Map<String, String> annotations = task.getMetadata().getAnnotations();
    String token = annotations == null ? null : annotations.get(AgentTask.RETRY_ANNOTATION);
    if (token != null && !token.equals(cp.retryToken)) {
      cp.retryToken = token;
      if (status.phase == TaskPhase.Failed) {
        cp.secretsVersion = null;
        engine.retryFailed(status);
        events.add(
            EngineEvent.normal(
                EventType.Retrying,
                status.currentStep,
                "retry requested by " + AgentTask.RETRY_ANNOTATION + "=" + token));
        return;
      }
    }
    if (status.phase == TaskPhase.Failed
        && stalledOnSecret(status)
        && cp.secretsVersion != null
        && !cp.secretsVersion.equals(secrets.fingerprint(task))) {
      cp.secretsVersion = null;
      engine.retryFailed(status);
      events.add(
          EngineEvent.normal(
              EventType.Retrying, status.currentStep, "a referenced Secret changed"));
    }
  }

  /**
   * Notes the versions of the task's Secrets once, when it stalls on one. Recomputing them on every
   * reconcile could record a fix made meanwhile as the failing version, and the fix would never be
   * noticed.
   */
  void rememberSecrets(AgentTask task, AgentTaskStatus status) {
    if (status.phase == TaskPhase.Failed
        && stalledOnSecret(status)
        && status.checkpoint.secretsVersion == null) {
      status.checkpoint.secretsVersion = secrets.fingerprint(task);
    }
  }

  static boolean stalledOnSecret(AgentTaskStatus status) {
    var stalled = Conditions.find(status.conditions, Conditions.STALLED);
    return stalled != null
        && "True".equals(stalled.status)
        && SECRET_REASONS.contains(stalled.reason);
  }
}
