package dev.steadfast.cli.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The completion script knows the plugin's subcommands and their flags. */
class CompletionCommandTest {
  @Test
  void theScriptCompletesThePluginCommandsAndTheirFlags() {
    StringWriter out = new StringWriter();
    int exit =
        Main.execute(new PrintWriter(out, true), new PrintWriter(new StringWriter()), "completion");

    assertThat(exit).isZero();
    assertThat(out.toString())
        .contains("complete -F _complete_steadfast")
        .contains("describe")
        .contains("--namespace")
        .contains("--step");
  }
}
