package dev.steadfast.cli.plugin;

import dev.steadfast.api.AgentTask;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * `steadfast tree TASK`: the objects the task owns (output ConfigMaps, Jobs) and the Pods its Jobs
 * own, found through ownerReferences as the garbage collector finds them.
 */
@Command(
    name = "tree",
    mixinStandardHelpOptions = true,
    description = "Lists the ConfigMaps, Jobs and Pods a task owns (through ownerReferences).")
public final class TreeCommand extends TaskCommand {
  @Override
  int run(KubernetesClient client, PrintWriter out) {
    AgentTask task = cluster.get(client, name);
    String ns = task.getMetadata().getNamespace();
    String uid = task.getMetadata().getUid();
    List<Pod> pods = client.pods().inNamespace(ns).list().getItems();
    List<HasMetadata> children = new ArrayList<>();
    children.addAll(ownedBy(client.configMaps().inNamespace(ns).list().getItems(), uid));
    children.addAll(ownedBy(client.batch().v1().jobs().inNamespace(ns).list().getItems(), uid));
    out.println("AgentTask/" + name);
    for (int i = 0; i < children.size(); i++) {
      HasMetadata child = children.get(i);
      boolean last = i == children.size() - 1;
      out.println((last ? "`-- " : "|-- ") + child.getKind() + "/" + child.getMetadata().getName());
      if (child instanceof Job job) {
        List<Pod> owned = ownedBy(pods, job.getMetadata().getUid());
        for (int j = 0; j < owned.size(); j++) {
          Pod pod = owned.get(j);
          out.println(
              (last ? "    " : "|   ")
                  + (j == owned.size() - 1 ? "`-- " : "|-- ")
                  + "Pod/"
                  + pod.getMetadata().getName()
                  + (pod.getStatus() == null ? "" : "  " + pod.getStatus().getPhase()));
        }
      }
    }
    out.flush();
    return 0;
  }

  static <T extends HasMetadata> List<T> ownedBy(List<T> items, String uid) {
    return items.stream()
        .filter(
            o ->
                o.getMetadata().getOwnerReferences() != null
                    && o.getMetadata().getOwnerReferences().stream()
                        .anyMatch(r -> uid.equals(r.getUid())))
        .sorted(Comparator.comparing(o -> o.getMetadata().getName()))
        .toList();
  }
}
