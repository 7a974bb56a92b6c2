package dev.steadfast.cli.plugin;

import dev.steadfast.api.AgentTask;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Where the task is, as kubectl finds it: the kubeconfig (KUBECONFIG, ~/.kube/config, or the
 * in-cluster account) and its current context's namespace unless -n says otherwise.
 */
public final class ClusterOptions {
  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description = "The task's namespace (default: the kubeconfig context's, else default).")
  String namespace;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "The kubeconfig to use (default: KUBECONFIG, then ~/.kube/config).")
  Path kubeconfig;

  /**
   * The client of a command a person waits for: a request the API server answers with a 5xx (a
   * kubelet it cannot reach, for a log) is retried twice, not the ten times with doubling waits of
   * the client's default, which held `logs` for 45 s before it said why.
   */
  KubernetesClient client() throws IOException {
    Config config = config();
    config.setRequestRetryBackoffLimit(2);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private Config config() throws IOException {
    return kubeconfig == null
        ? Config.autoConfigure(null)
        : Config.fromKubeconfig(Files.readString(kubeconfig));
  }

  /**
   * A client that gives up after {@code timeout} and does not retry: for shell completion, where a
   * person waits at the prompt and no answer beats a late one.
   */
  KubernetesClient client(Duration timeout) throws IOException {
    Config config = config();
    config.setConnectionTimeout((int) timeout.toMillis());
    config.setRequestTimeout((int) timeout.toMillis());
    config.setRequestRetryBackoffLimit(0);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** The AgentTasks of the namespace. */
  io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          AgentTask,
          io.fabric8.kubernetes.api.model.KubernetesResourceList<AgentTask>,
          Resource<AgentTask>>
      tasks(KubernetesClient client) {
    return client.resources(AgentTask.class).inNamespace(namespace(client));
  }

  String namespace(KubernetesClient client) {
    if (namespace != null) {
      return namespace;
    }
    return client.getNamespace() == null ? "default" : client.getNamespace();
  }

  Resource<AgentTask> task(KubernetesClient client, String name) {
    return client.resources(AgentTask.class).inNamespace(namespace(client)).withName(name);
  }

  /** The task, or a {@link NoSuchTaskException} that says which one was looked for. */
  AgentTask get(KubernetesClient client, String name) {
    AgentTask task = task(client, name).get();
    if (task == null) {
      throw new NoSuchTaskException("no AgentTask " + name + " in namespace " + namespace(client));
    }
    return task;
  }

  /** A task that is not there: exit 1 with the message, not a stack trace. */
  static final class NoSuchTaskException extends RuntimeException {
    NoSuchTaskException(String message) {
      super(message);
    }
  }
}
