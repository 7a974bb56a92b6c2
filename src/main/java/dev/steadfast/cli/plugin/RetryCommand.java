package dev.steadfast.cli.plugin;

import dev.steadfast.api.AgentTask;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.PrintWriter;
import java.time.Instant;
import picocli.CommandLine.Command;

/**
 * `steadfast retry TASK`: sets the retry annotation to the current time, as the documented kubectl
 * annotate line does; the operator gives the failed steps a fresh attempt budget.
 */
@Command(
    name = "retry",
    mixinStandardHelpOptions = true,
    description =
        "Retries a task's failed steps from its checkpoint (sets the steadfast.dev/retry"
            + " annotation).")
public final class RetryCommand extends TaskCommand {
  @Override
  int run(KubernetesClient client, PrintWriter out) {
    cluster.get(client, name);
    String token = String.valueOf(Instant.now().getEpochSecond());
    cluster
        .task(client, name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\""
                + AgentTask.RETRY_ANNOTATION
                + "\":\""
                + token
                + "\"}}}");
    out.println(
        "agenttask/"
            + name
            + " retry requested ("
            + AgentTask.RETRY_ANNOTATION
            + "="
            + token
            + ")");
    out.flush();
    return 0;
  }
}
