package dev.steadfast.operator.jobs;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;

/**
 * Plays the kubelet and the Job controller on the mock API server, which has neither: it gives a
 * Job a pod and moves pod and Job through the states a real cluster would.
 */
public final class FakeKubelet {
  private final KubernetesClient client;
  private final String namespace;

  public FakeKubelet(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** Creates the Job's pod in the given state (its status as the kubelet would report it). */
  public Pod pod(String job, PodStatus status) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(job + "-x7k2p")
            .withNamespace(namespace)
            .addToLabels("job-name", job)
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("step")
            .withImage("busybox")
            .endContainer()
            .endSpec()
            .withStatus(status)
            .build();
    client.pods().inNamespace(namespace).resource(pod).create();
    return client.pods().inNamespace(namespace).resource(pod).updateStatus();
  }

  /** Moves the Job's pod to a new state. */
  public void update(String job, PodStatus status) {
    Pod pod = client.pods().inNamespace(namespace).withName(job + "-x7k2p").get();
    pod.setStatus(status);
    client.pods().inNamespace(namespace).resource(pod).updateStatus();
  }

  /** Sets a Job condition (Complete or Failed) with the reason the Job controller would give. */
  public void finish(String job, String type, String reason) {
    Job current = client.batch().v1().jobs().inNamespace(namespace).withName(job).get();
    current.setStatus(
        new JobStatusBuilder()
            .addToConditions(
                new JobConditionBuilder()
                    .withType(type)
                    .withStatus("True")
                    .withReason(reason)
                    .withMessage(reason == null ? null : "Job has reached " + reason)
                    .withLastTransitionTime(Instant.now().toString())
                    .build())
            .build());
    client.batch().v1().jobs().inNamespace(namespace).resource(current).updateStatus();
  }

  public static PodStatus terminated(String phase, int exitCode, String reason, String message) {
    return status(
        phase,
        new ContainerStateBuilder()
            .withNewTerminated()
            .withExitCode(exitCode)
            .withReason(reason)
            .withMessage(message)
            .endTerminated()
            .build());
  }

  public static PodStatus waiting(String reason, String message) {
    return status(
        "Pending",
        new ContainerStateBuilder()
            .withNewWaiting()
            .withReason(reason)
            .withMessage(message)
            .endWaiting()
            .build());
  }

  public static PodStatus evicted() {
    PodStatus status = terminated("Failed", 137, "Error", null);
    status.setReason("Evicted");
    status.setMessage("The node was low on resource: memory.");
    status
        .getConditions()
        .add(
            new PodConditionBuilder()
                .withType("DisruptionTarget")
                .withStatus("True")
                .withReason("TerminationByKubelet")
                .build());
    return status;
  }

  private static PodStatus status(String phase, ContainerState state) {
    return new PodStatusBuilder()
        .withPhase(phase)
        .withConditions(new java.util.ArrayList<>())
        .addNewContainerStatus()
        .withName("step")
        .withImage("busybox")
        .withState(state)
        .endContainerStatus()
        .build();
  }
}
