package dev.steadfast.operator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.Json;
import dev.steadfast.engine.status.Conditions;
import dev.steadfast.engine.validation.Problem;
import dev.steadfast.engine.validation.TaskValidator;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles AgentTasks: observe → validate → act → record. This first version validates the spec
 * (schema, CEL rules, references) and records status and kstatus conditions; running steps is added
 * by the engine and operator issues.
 */
@ControllerConfiguration(name = "agenttask")
public final class AgentTaskReconciler implements Reconciler<AgentTask> {
  private static final Logger LOG = LoggerFactory.getLogger(AgentTaskReconciler.class);

  private final TaskValidator validator;
  private final Clock clock;

  public AgentTaskReconciler(TaskValidator validator, Clock clock) {
    this.validator = validator;
    this.clock = clock;
  }

  @Override
  public UpdateControl<AgentTask> reconcile(AgentTask task, Context<AgentTask> context) {
    AgentTaskStatus before = task.getStatus();
    AgentTaskStatus status =
        before == null ? new AgentTaskStatus() : Json.copy(before, AgentTaskStatus.class);
    Long generation = task.getMetadata().getGeneration();

    List<Problem> problems = validator.validate(manifest(task));
    String failureReason = null;
    if (!problems.isEmpty()) {
      failureReason = "InvalidSpec";
      String message =
          "InvalidSpec: "
              + problems.stream().map(Problem::toString).collect(Collectors.joining("; "));
      status.phase = TaskPhase.Failed;
      status.message = message.length() > 1024 ? message.substring(0, 1021) + "..." : message;
      LOG.info("{}/{} has an invalid spec: {}", namespace(task), name(task), status.message);
    } else {
      if (status.phase == null || status.phase == TaskPhase.Failed) {
        status.phase = TaskPhase.Pending;
        status.message = "accepted; waiting for the step engine";
      }
      if (status.steps == null || status.steps.isEmpty()) {
        status.steps = task.getSpec().steps.stream().map(s -> new StepStatus(s.name)).toList();
      }
      status.attempts = status.attempts == null ? 0 : status.attempts;
    }
    status.observedGeneration = generation;
    Conditions.aggregate(status, generation, failureReason, null, clock.instant());

    if (Objects.equals(Json.tree(before), Json.tree(status))) {
      return UpdateControl.noUpdate();
    }
    task.setStatus(status);
    return UpdateControl.patchStatus(task);
  }

  /** The resource as the user wrote it, for the same checks `steadfast validate` makes. */
  private static JsonNode manifest(AgentTask task) {
    return Json.tree(task);
  }

  private static String name(AgentTask t) {
    return t.getMetadata().getName();
  }

  private static String namespace(AgentTask t) {
    return t.getMetadata().getNamespace();
  }
}
