package dev.steadfast.cli.plugin;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** `steadfast resume TASK`: spec.suspend false; the task carries on from its checkpoint. */
@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    description = "Resumes a suspended task (spec.suspend: false) from its checkpoint.")
public final class ResumeCommand extends TaskCommand {
  @Override
  int run(KubernetesClient client, PrintWriter out) {
    return SuspendCommand.setSuspend(cluster, client, name, false, out);
  }
}
