package dev.steadfast.cli.plugin;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** `steadfast suspend TASK`: spec.suspend true; attempts in flight finish, none starts. */
@Command(
    name = "suspend",
    mixinStandardHelpOptions = true,
    description = "Suspends a task (spec.suspend: true): no new attempt starts.")
public final class SuspendCommand extends TaskCommand {
  @Override
  int run(KubernetesClient client, PrintWriter out) {
    return setSuspend(cluster, client, name, true, out);
  }

  static int setSuspend(
      ClusterOptions cluster, KubernetesClient client, String name, boolean on, PrintWriter out) {
    cluster.get(client, name);
    cluster
        .task(client, name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"suspend\":" + on + "}}");
    out.println("agenttask/" + name + (on ? " suspended" : " resumed"));
    out.flush();
    return 0;
  }
}
