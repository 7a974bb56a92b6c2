package dev.steadfast.cli.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The answers `kubectl_complete-steadfast` gives kubectl: candidates one a line, then Cobra's
 * directive line (:4 no file names, :0 file names).
 */
class CompleteCommandTest {
  final List<String> namespacesAsked = new ArrayList<>();

  String complete(String... words) {
    CommandLine root = Main.commandLine();
    CommandLine sub = root.getSubcommands().get("__complete");
    CompleteCommand command = sub.getCommand();
    command.taskNames =
        cluster -> {
          namespacesAsked.add(String.valueOf(cluster.namespace));
          return List.of("essay", "build", "batch-7");
        };
    StringWriter out = new StringWriter();
    root.setOut(new PrintWriter(out, true));
    root.setErr(new PrintWriter(new StringWriter(), true));
    String[] args = new String[words.length + 1];
    args[0] = "__complete";
    System.arraycopy(words, 0, args, 1, words.length);
    assertThat(root.execute(args)).isZero();
    return out.toString();
  }

  @Test
  void subcommandsAreCompletedAndTheHiddenOneIsNot() {
    assertThat(complete("des")).isEqualTo("describe\n:4\n");
    assertThat(complete("re")).isEqualTo("resume\nretry\n:4\n");
    assertThat(complete(""))
        .contains("describe\n", "tree\n", "logs\n", "completion\n")
        .doesNotContain("__complete")
        .endsWith(":4\n");
  }

  @Test
  void taskPositionsAreCompletedWithTheTasksOfTheNamedNamespace() {
    assertThat(complete("describe", "")).isEqualTo("batch-7\nbuild\nessay\n:4\n");
    assertThat(complete("logs", "-n", "team-a", "b")).isEqualTo("batch-7\nbuild\n:4\n");
    assertThat(namespacesAsked).containsExactly("null", "team-a");
    // The task is given already: nothing more to offer, and no file names.
    assertThat(complete("tree", "build", "")).isEqualTo(":4\n");
  }

  @Test
  void flagsAndFlagValues() {
    assertThat(complete("logs", "--s")).isEqualTo("--step\n:4\n");
    assertThat(complete("describe", "--kube")).isEqualTo("--kubeconfig\n:4\n");
    // --kubeconfig takes a file: the shell's file completion.
    assertThat(complete("describe", "--kubeconfig", "")).isEqualTo(":0\n");
    assertThat(complete("logs", "build", "--step", "")).isEqualTo(":4\n");
    assertThat(complete("nosuch", "")).isEqualTo(":4\n");
  }

  @Test
  void anUnreachableClusterGivesNoCandidatesQuickly() {
    CompleteCommand command = new CompleteCommand();
    ClusterOptions cluster = new ClusterOptions();
    // A kubeconfig that does not exist: no candidates, no exception.
    cluster.kubeconfig = java.nio.file.Path.of("/nonexistent/kubeconfig");
    long start = System.nanoTime();
    assertThat(command.taskNames.in(cluster)).isEmpty();
    assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
  }
}
