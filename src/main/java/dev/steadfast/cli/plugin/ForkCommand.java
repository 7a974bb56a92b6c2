package dev.steadfast.cli.plugin;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskSpec;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.engine.Forks;
import dev.steadfast.engine.format.Json;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `steadfast fork TASK`: a new AgentTask with the task's spec that starts from its checkpoint. It
 * writes no status: it annotates the new task with its source and the step to run from, and the
 * operator carries the finished steps before that step (their outputs, never called again) on the
 * new task's first reconcile.
 */
@Command(
    name = "fork",
    mixinStandardHelpOptions = true,
    description =
        "Creates a new task from a task's checkpoint: the finished steps before STEP keep their"
            + " outputs and are not called again; STEP and the steps after it run.")
public final class ForkCommand extends TaskCommand {
  /** The longest default name: a label value (steadfast.dev/task on owned objects) fits. */
  static final int NAME_LIMIT = 63;

  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  @Option(
      names = "--from",
      paramLabel = "STEP",
      description =
          "The step to run from (default: the task's first step that did not succeed); the"
              + " finished steps before it are carried.")
  String from;

  @Option(
      names = "--name",
      paramLabel = "NEW",
      description = "The new task's name (default: TASK-fork-<5 random characters>).")
  String newName;

  @Option(
      names = "--suspend",
      description =
          "Create the new task suspended, to edit its spec before it runs (then resume it).")
  boolean suspend;

  @Override
  int run(KubernetesClient client, PrintWriter out) {
    AgentTask source = cluster.get(client, name);
    AgentTaskSpec copy = Json.copy(source.getSpec(), AgentTaskSpec.class);
    AgentTaskStatus status =
        source.getStatus() == null ? new AgentTaskStatus() : source.getStatus();
    List<String> steps = copy.steps.stream().map(s -> s.name).toList();
    String step = from != null ? from : Forks.defaultFrom(copy, status);
    PrintWriter err = spec.commandLine().getErr();
    if (step == null) {
      err.println(
          "error: every step of "
              + name
              + " finished; name the step to run from with --from (one of "
              + String.join(", ", steps)
              + ")");
      return 1;
    }
    if (!steps.contains(step)) {
      err.println(
          "error: "
              + name
              + " has no step "
              + step
              + " (its steps: "
              + String.join(", ", steps)
              + ")");
      return 1;
    }
    copy.suspend = suspend ? Boolean.TRUE : null;
    String fork = newName != null ? newName : defaultName(name);
    Map<String, String> labels =
        source.getMetadata().getLabels() == null
            ? null
            : new HashMap<>(source.getMetadata().getLabels());
    AgentTask task = new AgentTask();
    task.setMetadata(
        new ObjectMetaBuilder()
            .withName(fork)
            .withNamespace(source.getMetadata().getNamespace())
            .withLabels(labels)
            .addToAnnotations(AgentTask.FORK_OF_ANNOTATION, name)
            .addToAnnotations(AgentTask.FORK_FROM_ANNOTATION, step)
            .build());
    task.setSpec(copy);
    client.resource(task).create();
    List<String> carried = Forks.carried(copy, status, step);
    // The first step not carried: STEP, or an earlier one that had not finished.
    String runsFrom = steps.get(carried.size());
    out.println("agenttask/" + fork + " created from " + name);
    out.println(
        carried.isEmpty()
            ? "carried no finished step; runs from " + runsFrom
            : "carried "
                + carried.size()
                + " finished step"
                + (carried.size() == 1 ? "" : "s")
                + " ("
                + carried.stream().collect(Collectors.joining(", "))
                + "); runs from "
                + runsFrom);
    if (suspend) {
      out.println(
          "suspended; edit its spec, then run: kubectl steadfast resume "
              + fork
              + " -n "
              + source.getMetadata().getNamespace());
    }
    out.flush();
    return 0;
  }

  /** {@code <task>-fork-<5 random>}, the task's part shortened to keep within the label limit. */
  static String defaultName(String task) {
    StringBuilder suffix = new StringBuilder("-fork-");
    for (int i = 0; i < 5; i++) {
      suffix.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    String prefix = task.substring(0, Math.min(task.length(), NAME_LIMIT - suffix.length()));
    while (prefix.endsWith("-") || prefix.endsWith(".")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    return prefix + suffix;
  }
}
