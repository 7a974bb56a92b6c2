package dev.steadfast.cli.plugin;

import dev.steadfast.api.AgentTask;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `steadfast __complete WORD...`: kubectl's completion of plugin arguments. For `kubectl steadfast
 * des<TAB>` kubectl (1.26 and later) runs `kubectl_complete-steadfast des` from the PATH, which
 * runs this with the words typed after the plugin's name, the last one being the word under the
 * cursor (empty after a space). It answers in Cobra's protocol: one candidate a line, then {@code
 * :<directive>}, a bit set ({@link #NO_FILES} = no file names; 0 = the shell's default file
 * completion, for --kubeconfig).
 *
 * <p>TASK positions are completed with the AgentTask names of the namespace the words name (-n),
 * else the kubeconfig context's, read from the cluster with a short timeout: an unreachable cluster
 * gives no candidates, quickly, and no error (a completion must never print one).
 */
@Command(name = "__complete", hidden = true, description = "Completion for kubectl (internal).")
public final class CompleteCommand implements Callable<Integer> {
  /** Cobra's ShellCompDirectiveNoFileComp. */
  static final int NO_FILES = 4;

  /** Cobra's ShellCompDirectiveDefault: the shell completes file names. */
  static final int FILES = 0;

  /** How long a completion may wait for the cluster: a person is waiting at the prompt. */
  static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(2);

  @Parameters(paramLabel = "WORD", arity = "0..*")
  List<String> words = new ArrayList<>();

  @Spec CommandSpec spec;

  /**
   * The AgentTask names of a namespace, or none: how the cluster is asked, replaceable in tests.
   */
  interface TaskNames {
    List<String> in(ClusterOptions cluster);
  }

  TaskNames taskNames = CompleteCommand::fromCluster;

  /** What to offer: the candidates and the directive line's number. */
  record Answer(List<String> candidates, int directive) {}

  @Override
  public Integer call() {
    Answer answer = answer(spec.root(), words.isEmpty() ? List.of("") : words);
    PrintWriter out = spec.commandLine().getOut();
    answer.candidates().forEach(out::println);
    out.println(":" + answer.directive());
    out.flush();
    return 0;
  }

  Answer answer(CommandSpec root, List<String> typed) {
    String current = typed.get(typed.size() - 1);
    List<String> before = typed.subList(0, typed.size() - 1);
    if (before.isEmpty()) {
      List<String> names = new ArrayList<>();
      root.subcommands()
          .forEach(
              (name, sub) -> {
                if (!sub.getCommandSpec().usageMessage().hidden() && name.startsWith(current)) {
                  names.add(name);
                }
              });
      return new Answer(names.stream().sorted().toList(), NO_FILES);
    }
    var sub = root.subcommands().get(before.get(0));
    if (sub == null) {
      return new Answer(List.of(), NO_FILES);
    }
    CommandSpec command = sub.getCommandSpec();
    String previous = before.get(before.size() - 1);
    OptionSpec valueOf = previous.startsWith("-") ? command.findOption(previous) : null;
    if (valueOf != null && valueOf.arity().min() > 0) {
      // The word is an option's value: a file for --kubeconfig, else nothing we can list.
      boolean file = valueOf.type() == java.nio.file.Path.class;
      return new Answer(List.of(), file ? FILES : NO_FILES);
    }
    if (current.startsWith("-")) {
      List<String> flags = new ArrayList<>();
      for (OptionSpec option : command.options()) {
        if (option.hidden()) {
          continue;
        }
        for (String name : option.names()) {
          if (name.startsWith("--") && name.startsWith(current)) {
            flags.add(name);
          }
        }
      }
      return new Answer(flags.stream().sorted().toList(), NO_FILES);
    }
    boolean takesTask =
        command.positionalParameters().stream().anyMatch(p -> "TASK".equals(p.paramLabel()));
    if (!takesTask || positionals(command, before.subList(1, before.size())) > 0) {
      return new Answer(List.of(), NO_FILES);
    }
    ClusterOptions cluster = new ClusterOptions();
    cluster.namespace = valueAfter(before, "-n", "--namespace");
    String kubeconfig = valueAfter(before, "--kubeconfig", null);
    cluster.kubeconfig = kubeconfig == null ? null : java.nio.file.Path.of(kubeconfig);
    List<String> tasks =
        taskNames.in(cluster).stream().filter(n -> n.startsWith(current)).sorted().toList();
    return new Answer(tasks, NO_FILES);
  }

  /** How many positional words precede the cursor (an option's value is not one). */
  private static int positionals(CommandSpec command, List<String> args) {
    int count = 0;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.startsWith("-")) {
        OptionSpec option = command.findOption(arg.contains("=") ? arg.split("=", 2)[0] : arg);
        if (option != null && option.arity().min() > 0 && !arg.contains("=")) {
          i++;
        }
      } else {
        count++;
      }
    }
    return count;
  }

  private static String valueAfter(List<String> words, String shortName, String longName) {
    String value = null;
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      if ((w.equals(shortName) || w.equals(longName)) && i + 1 < words.size()) {
        value = words.get(i + 1);
      } else if (longName != null && w.startsWith(longName + "=")) {
        value = w.substring(longName.length() + 1);
      } else if (w.startsWith(shortName + "=")) {
        value = w.substring(shortName.length() + 1);
      }
    }
    return value;
  }

  private static List<String> fromCluster(ClusterOptions cluster) {
    try (KubernetesClient client = cluster.client(CLUSTER_TIMEOUT)) {
      return cluster.tasks(client).list().getItems().stream()
          .map(AgentTask::getMetadata)
          .map(m -> m.getName())
          .toList();
    } catch (IOException | RuntimeException e) {
      // Unreachable, refused, no kubeconfig: no candidates, and no message on the prompt.
      return List.of();
    }
  }
}
