package dev.steadfast.cli;

import dev.steadfast.cli.plugin.CompleteCommand;
import dev.steadfast.cli.plugin.CompletionCommand;
import dev.steadfast.cli.plugin.DescribeCommand;
import dev.steadfast.cli.plugin.ForkCommand;
import dev.steadfast.cli.plugin.LogsCommand;
import dev.steadfast.cli.plugin.ResumeCommand;
import dev.steadfast.cli.plugin.RetryCommand;
import dev.steadfast.cli.plugin.SuspendCommand;
import dev.steadfast.cli.plugin.TreeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `steadfast` executable: one jar, one picocli command with the subcommands of docs/cli.md. */
@Command(
    name = "steadfast",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Runs AI-agent work declared as AgentTask resources and keeps it going.",
    subcommands = {
      OperatorCommand.class,
      RunCommand.class,
      ValidateCommand.class,
      SimulateCommand.class,
      DemoCommand.class,
      DescribeCommand.class,
      RetryCommand.class,
      ForkCommand.class,
      SuspendCommand.class,
      ResumeCommand.class,
      TreeCommand.class,
      LogsCommand.class,
      CompletionCommand.class,
      CompleteCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main {
  /** Exit code for invalid input: a bad file, a bad spec or bad flags. */
  public static final int EXIT_INVALID = 2;

  public static void main(String[] args) {
    commonPoolOfAtLeast(4);
    // Only here, not in execute(): tests call execute() in a JVM that is already warm.
    StartupWarmup.forCommand(args);
    System.exit(execute(args));
  }

  /**
   * The JDK's HTTP client completes its stages on the common pool, and with fewer than two threads
   * in that pool (a machine or container with one or two CPUs) the JDK runs every such stage on a
   * new thread instead: measured, five threads created and ended per model call and status write. A
   * pool of a few threads serves them all; an explicit setting is kept.
   */
  static void commonPoolOfAtLeast(int threads) {
    String property = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(property) == null
        && Runtime.getRuntime().availableProcessors() - 1 < threads) {
      System.setProperty(property, Integer.toString(threads));
    }
  }

  public static int execute(String... args) {
    return execute(null, null, args);
  }

  /** The command tree, configured as the executable runs it. */
  public static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new Main());
    // kubectl passes the words typed so far, flags included ("-n", "--st"): words, not options.
    cmd.getSubcommands().get("__complete").setUnmatchedOptionsArePositionalParams(true);
    return cmd;
  }

  /** Runs with output and errors going to the given writers (System.out/err when null). */
  public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine cmd = commandLine();
    if (out != null) {
      cmd.setOut(out);
    }
    if (err != null) {
      cmd.setErr(err);
    }
    cmd.setParameterExceptionHandler(
        (ex, a) -> {
          ex.getCommandLine().getErr().println("error: " + ex.getMessage());
          ex.getCommandLine().usage(ex.getCommandLine().getErr());
          return EXIT_INVALID;
        });
    return cmd.execute(args);
  }

  /** Reads the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"steadfast " + (v == null ? "dev" : v)};
    }
  }
}
