package dev.steadfast.cli.plugin;

import dev.steadfast.api.AgentTask;
import dev.steadfast.operator.jobs.JobLabels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `steadfast logs TASK [--step S]`: the logs of the Pods that ran the task's job steps, one attempt
 * after another, each under a header naming the Job and the Pod.
 */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = "Prints the logs of the Pods that ran a task's job steps.")
public final class LogsCommand extends TaskCommand {
  @Option(
      names = "--step",
      paramLabel = "STEP",
      description = "Only this step's Jobs (default: every job step).")
  String step;

  @Override
  int run(KubernetesClient client, PrintWriter out) {
    AgentTask task = cluster.get(client, name);
    String ns = task.getMetadata().getNamespace();
    List<Job> jobs =
        TreeCommand.ownedBy(
            client.batch().v1().jobs().inNamespace(ns).list().getItems(),
            task.getMetadata().getUid());
    if (step != null) {
      String label = JobLabels.value(step);
      jobs =
          jobs.stream()
              .filter(
                  j ->
                      j.getMetadata().getLabels() != null
                          && label.equals(j.getMetadata().getLabels().get(JobLabels.STEP)))
              .toList();
    }
    if (jobs.isEmpty()) {
      spec.commandLine()
          .getErr()
          .println(
              "no Jobs of agenttask/"
                  + name
                  + (step == null ? "" : " step " + step)
                  + " (only job steps run Pods)");
      return 1;
    }
    List<Pod> pods = client.pods().inNamespace(ns).list().getItems();
    int unavailable = 0;
    for (Job job : jobs) {
      for (Pod pod : TreeCommand.ownedBy(pods, job.getMetadata().getUid())) {
        out.println(
            "==> Job/"
                + job.getMetadata().getName()
                + " Pod/"
                + pod.getMetadata().getName()
                + " <==");
        out.flush();
        String log;
        if (pod.getSpec().getNodeName() == null) {
          // The API server answers an empty 200 for a pod on no node: say why there is nothing.
          unavailable++;
          spec.commandLine()
              .getErr()
              .println(
                  "error: no logs for Pod/"
                      + pod.getMetadata().getName()
                      + ": it was never scheduled to a node");
          continue;
        }
        try {
          log = PodLogs.read(client, pod);
        } catch (KubernetesClientException e) {
          // No node yet, a node gone, a pod already deleted: the API server answers with a
          // reason; the person gets it on one line and the other pods' logs still print.
          unavailable++;
          spec.commandLine()
              .getErr()
              .println(
                  "error: no logs for Pod/" + pod.getMetadata().getName() + ": " + ApiErrors.of(e));
          continue;
        }
        out.print(log == null ? "" : log);
        if (log != null && !log.isEmpty() && !log.endsWith("\n")) {
          out.println();
        }
      }
    }
    out.flush();
    return unavailable == 0 ? 0 : 1;
  }
}
