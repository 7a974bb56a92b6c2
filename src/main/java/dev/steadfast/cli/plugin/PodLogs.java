package dev.steadfast.cli.plugin;

import dev.steadfast.operator.jobs.JobLabels;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/**
 * The log of a job step's Pod: its step container's, named explicitly, because the API server
 * refuses a log request without a container name when a Pod has more than one (a sidecar injected
 * by a mesh, say).
 */
final class PodLogs {
  private PodLogs() {}

  static String read(KubernetesClient client, Pod pod) {
    return client
        .pods()
        .inNamespace(pod.getMetadata().getNamespace())
        .withName(pod.getMetadata().getName())
        .inContainer(container(pod))
        .getLog();
  }

  /** The step container, else the first (a Pod made by something other than steadfast). */
  static String container(Pod pod) {
    List<Container> containers = pod.getSpec().getContainers();
    return containers.stream()
        .map(Container::getName)
        .filter(JobLabels.CONTAINER::equals)
        .findFirst()
        .orElse(containers.get(0).getName());
  }
}
