package dev.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.cli.ValidateCommandTest.Result;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `steadfast run --pricing`: the final line shows the tokens the provider reported and their cost;
 * a task over its budget exits 3 with the figures and resumes, nothing repeated, once the budget in
 * the file is raised; a price table that cannot be used is exit 2.
 */
class RunBudgetTest {
  @TempDir Path dir;
  LlmSimulator sim;

  @BeforeEach
  void start() {
    sim = LlmSimulator.builder().port(0).build().start();
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  private Path task(String budget) throws Exception {
    Path file = dir.resolve("task.yaml");
    String llm =
        "      llm: {endpoint: '"
            + sim.baseUrl()
            + "/v1', model: gpt-4o, maxTokens: %d, messages: [{role: user, content: hello}]}\n";
    Files.writeString(
        file,
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: t}\nspec:\n"
            + budget
            + "  steps:\n    - name: short\n"
            + String.format(llm, 50)
            + "    - name: long\n"
            + String.format(llm, 5000));
    return file;
  }

  private Path pricing(String yaml) throws Exception {
    Path file = dir.resolve("prices.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private record Run(Result result, String out) {}

  private Run run(String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      return new Run(ValidateCommandTest.run(args), out.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(saved);
    }
  }

  @Test
  void theFinalLineShowsTokensAndCost() throws Exception {
    Path prices = pricing("gpt-4o: {input: 2.5, output: 10}\n");

    Run r =
        run(
            "run",
            task("").toString(),
            "--state-dir=" + dir.resolve("state"),
            "--pricing=" + prices,
            "--quiet");

    assertThat(r.result().code()).as(r.result().err() + r.out()).isZero();
    List<RecordedRequest> requests = sim.requests();
    long in = requests.stream().mapToLong(RecordedRequest::inputTokens).sum();
    long out = requests.stream().mapToLong(RecordedRequest::outputTokens).sum();
    String cost =
        new BigDecimal("2.5")
            .multiply(BigDecimal.valueOf(in))
            .add(BigDecimal.TEN.multiply(BigDecimal.valueOf(out)))
            .divide(BigDecimal.valueOf(1_000_000))
            .stripTrailingZeros()
            .toPlainString();
    assertThat(r.out())
        .contains(
            "Succeeded: all 2 steps finished (attempts: 2, tokens: "
                + in
                + " in / "
                + out
                + " out, cost: "
                + cost
                + ")");
  }

  @Test
  void aTaskOverItsBudgetExitsThreeAndResumesOnceItIsRaised() throws Exception {
    Path state = dir.resolve("state");

    Run held = run("run", task("  budget: {maxTokens: 1000}\n").toString(), "--state-dir=" + state);

    assertThat(held.result().code()).as(held.result().err() + held.out()).isEqualTo(3);
    assertThat(held.out())
        .contains("Suspended: long: budget exhausted: spent ")
        .contains("of maxTokens 1000 tokens; the next call (gpt-4o) could use 5002");
    assertThat(sim.requests()).hasSize(1);

    Run done =
        run("run", task("  budget: {maxTokens: 100000}\n").toString(), "--state-dir=" + state);

    assertThat(done.result().code()).as(done.result().err() + done.out()).isZero();
    assertThat(sim.requests()).hasSize(2); // the first step was not run again
    assertThat(done.out()).contains("Succeeded: all 2 steps finished (attempts: 2, tokens: ");
  }

  @Test
  void aPriceTableThatCannotBeUsedIsExitTwoNamingTheProblem() throws Exception {
    Path prices = pricing("gpt-4o: {input: 2.5}\n");

    Run r =
        run(
            "run",
            task("").toString(),
            "--state-dir=" + dir.resolve("state"),
            "--pricing=" + prices);

    assertThat(r.result().code()).isEqualTo(2);
    assertThat(r.result().err())
        .contains("--pricing " + prices + ": gpt-4o.output: required (price per 1M tokens)");
    assertThat(sim.requests()).isEmpty();
  }

  @Test
  void theOperatorRefusesAnUnusablePriceTableBeforeStarting() throws Exception {
    Path prices = pricing("gpt-4o: {input: -1, output: 1}\n");

    Result r = ValidateCommandTest.run("operator", "--pricing=" + prices);

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--pricing " + prices + ": gpt-4o.input: -1 is negative");
  }
}
