package dev.steadfast.cli.plugin;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * A plugin subcommand about one task: finds the cluster as kubectl does, and turns a missing task
 * or a refused request into a one-line message and exit code 1 instead of a stack trace.
 */
abstract class TaskCommand implements Callable<Integer> {
  @Mixin ClusterOptions cluster;

  @Parameters(index = "0", paramLabel = "TASK", description = "The AgentTask's name.")
  String name;

  @Spec CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    try (KubernetesClient client = cluster.client()) {
      return run(client, spec.commandLine().getOut());
    } catch (ClusterOptions.NoSuchTaskException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 1;
    } catch (KubernetesClientException e) {
      spec.commandLine().getErr().println("error: " + ApiErrors.of(e));
      return 1;
    }
  }

  abstract int run(KubernetesClient client, PrintWriter out) throws Exception;
}
