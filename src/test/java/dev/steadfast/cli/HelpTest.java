package dev.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * Every subcommand of docs/cli.md answers --help with its usage (flags included) and exit code 0.
 */
class HelpTest {
  @ParameterizedTest
  @ValueSource(strings = {"operator", "run", "validate", "simulate", "demo"})
  void everySubcommandHasHelp(String command) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = new CommandLine(new Main());
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    assertThat(cmd.execute(command, "--help")).isZero();
    assertThat(out.toString()).contains("Usage: steadfast " + command);
    assertThat(err.toString()).isEmpty();
  }
}
