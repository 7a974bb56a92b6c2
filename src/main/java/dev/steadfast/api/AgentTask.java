package dev.steadfast.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalSelectableField;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** AI-agent work declared as steps plus resilience policies, run and kept going by Steadfast. */
@Group(AgentTask.GROUP)
@Version(AgentTask.VERSION)
@Plural("agenttasks")
@Singular("agenttask")
@ShortNames("agt")
@Categories("steadfast")
// `kubectl get agenttasks --field-selector status.phase=Failed`: the API server filters, so a
// watch or list of the failed tasks among thousands carries only those.
@AdditionalSelectableField(jsonPath = ".status.phase")
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Step",
    jsonPath = ".status.currentStep",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Attempts",
    jsonPath = ".status.attempts",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Degraded",
    jsonPath = ".status.conditions[?(@.type==\"Degraded\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Message",
    jsonPath = ".status.message",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
public class AgentTask extends CustomResource<AgentTaskSpec, AgentTaskStatus>
    implements Namespaced {
  public static final String GROUP = "steadfast.dev";
  public static final String VERSION = "v1alpha1";

  /** Annotation whose change retries a failed step with a fresh attempt budget. */
  public static final String RETRY_ANNOTATION = "steadfast.dev/retry";

  /** Annotation that injects faults at the executor boundary when chaos is enabled. */
  public static final String CHAOS_ANNOTATION = "steadfast.dev/chaos";

  /**
   * Annotation naming the task (same namespace, a bare name) whose checkpoint a new task starts
   * from: read once, on the new task's first reconcile.
   */
  public static final String FORK_OF_ANNOTATION = "steadfast.dev/fork-of";

  /** Annotation naming the step a fork runs from: the finished steps before it are carried. */
  public static final String FORK_FROM_ANNOTATION = "steadfast.dev/fork-from";
}
