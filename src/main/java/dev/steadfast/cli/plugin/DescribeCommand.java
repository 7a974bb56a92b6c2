package dev.steadfast.cli.plugin;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.time.Instant;
import picocli.CommandLine.Command;

/** `steadfast describe TASK`: what happened, what happens next and when, what one can do. */
@Command(
    name = "describe",
    mixinStandardHelpOptions = true,
    description =
        "Shows a task's phase, conditions, each step's attempt timeline, what it waits for and"
            + " until when, and the commands that help it on.")
public final class DescribeCommand extends TaskCommand {
  @Override
  int run(KubernetesClient client, PrintWriter out) {
    out.print(TaskDescription.describe(cluster.get(client, name), Instant.now()));
    out.flush();
    return 0;
  }
}
