package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.AgentTaskSpec;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Condition;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.exec.TokenUsage;
import dev.steadfast.engine.format.Json;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The usage ledger and budgets: every call that reported usage is counted into its step and the
 * task (failed attempts and repairs included), priced by the table, and a budget holds the task
 * before the call that could exceed it until the budget is raised.
 */
class LedgerTest {
  private static final String LLM =
      "    - name: %s\n      llm:\n        endpoint: http://127.0.0.1:1/v1\n        model: %s\n"
          + "        maxTokens: %d\n        messages: [{role: user, content: '%s'}]\n";

  private static String llm(String name, String model, int maxTokens, String prompt) {
    return String.format(LLM, name, model, maxTokens, prompt);
  }

  private static Pricing pricing() throws Exception {
    return Pricing.parse(
        "gpt-4o: {input: 2.5, output: 10}\n\"gpt-4o*\": {input: 1, output: 1}\n"
            + "\"claude-*\": {input: '3', output: '15.00'}\n");
  }

  /**
   * Answers each model call with the next scripted outcome; records the steps it was called for.
   */
  private static final class Script implements Function<AttemptRequest, Outcome> {
    final List<Outcome> outcomes;
    final List<String> calls = new ArrayList<>();

    Script(Outcome... outcomes) {
      this.outcomes = new ArrayList<>(List.of(outcomes));
    }

    @Override
    public Outcome apply(AttemptRequest r) {
      calls.add(r.idempotencyKey());
      return outcomes.remove(0);
    }
  }

  private static Outcome ok(long in, long out) {
    return new Outcome.Success(TextNode.valueOf("ok"), new TokenUsage(in, out));
  }

  @Test
  void failedAttemptsAndRepairsAreCountedAndPriced() throws Exception {
    EngineHarness h = new EngineHarness(pricing());
    Outcome invalid =
        new Outcome.Failed(
            Failure.of(Tier.Recoverable, Reason.InvalidOutput.name(), "not JSON"),
            "{oops",
            new TokenUsage(100, 50));
    Outcome unavailable =
        new Outcome.Failed(
            new Failure(Tier.Transient, Reason.ServerError.name(), "502", 502, null));
    Script script = new Script(invalid, unavailable, ok(120, 30), ok(7, 3));
    String spec =
        "  steps:\n"
            + llm("a", "gpt-4o", 64, "hi")
                .replace("        messages", "        responseFormat: json\n        messages")
            + llm("b", "claude-3-haiku", 64, "hello");

    AgentTaskStatus status = h.run(EngineHarness.task(spec), script);

    assertThat(status.phase).as(status.message).isEqualTo(TaskPhase.Succeeded);
    assertThat(script.calls).hasSize(4);
    // a: the invalid answer (100/50) and its repair (120/30); the 502 reported nothing.
    assertThat(status.steps.get(0).usage.inputTokens).isEqualTo(220);
    assertThat(status.steps.get(0).usage.outputTokens).isEqualTo(80);
    // 220 * 2.5 / 1M + 80 * 10 / 1M: the exact name wins over the glob that matches it too.
    assertThat(status.steps.get(0).usage.cost).isEqualTo("0.00135");
    assertThat(status.steps.get(1).usage.cost).isEqualTo("0.000066"); // 7*3 + 3*15 per 1M
    assertThat(status.usage.inputTokens).isEqualTo(227);
    assertThat(status.usage.outputTokens).isEqualTo(83);
    assertThat(new BigDecimal(status.usage.cost)).isEqualByComparingTo("0.001416");
  }

  @Test
  void withoutAPriceCostIsAbsentAndForEachItemsSumIntoTheirStep() {
    EngineHarness h = new EngineHarness();
    String spec =
        "  steps:\n"
            + llm("each", "local-model", 16, "{{ item }}")
                .replace(
                    "      llm:",
                    "      forEach: {items: '[1, 2, 3]', concurrency: 2}\n      llm:");
    Script script = new Script(ok(10, 1), ok(20, 2), ok(30, 3));

    AgentTaskStatus status = h.run(EngineHarness.task(spec), script);

    assertThat(status.phase).as(status.message).isEqualTo(TaskPhase.Succeeded);
    assertThat(status.steps.get(0).usage.inputTokens).isEqualTo(60);
    assertThat(status.steps.get(0).usage.outputTokens).isEqualTo(6);
    assertThat(status.steps.get(0).usage.cost).isNull();
    assertThat(status.usage.cost).isNull();
  }

  @Test
  void aBudgetHoldsTheTaskBeforeTheCallThatCouldExceedItAndARaiseResumesIt() {
    EngineHarness h = new EngineHarness();
    // Prompts of 8 characters: about 2 input tokens each; each call may answer 40 tokens.
    String steps =
        "  steps:\n" + llm("first", "m", 40, "12345678") + llm("second", "m", 40, "12345678");
    TaskRef task = EngineHarness.task("  budget: {maxTokens: 80}\n" + steps);
    Script script = new Script(ok(30, 20), ok(2, 40));

    AgentTaskStatus status = h.run(task, script);

    // Spent 50; the second call could use 40 + 2 = 42 > 80 - 50: not made.
    assertThat(script.calls).hasSize(1);
    assertThat(status.phase).isEqualTo(TaskPhase.Suspended);
    assertThat(status.message)
        .isEqualTo(
            "second: budget exhausted: spent 50 of maxTokens 80 tokens; the next call (m) could"
                + " use 42 (40 maxTokens + about 2 input)");
    assertThat(condition(status, "Reconciling").status).isEqualTo("False");
    assertThat(condition(status, "Stalled").status).isEqualTo("False");
    assertThat(condition(status, "Stalled").reason).isEqualTo("BudgetExhausted");
    assertThat(h.events)
        .filteredOn(e -> e.type() == EventType.BudgetExhausted)
        .singleElement()
        .satisfies(e -> assertThat(e.warning()).isTrue());
    assertThat(status.steps.get(1).attempts).isZero();

    // Planning again changes nothing and raises no second event.
    AgentTaskStatus again = h.resume(task, status, script, 10);
    assertThat(again.phase).isEqualTo(TaskPhase.Suspended);
    assertThat(h.events).filteredOn(e -> e.type() == EventType.BudgetExhausted).hasSize(1);

    AgentTaskSpec raised = Json.copy(task.spec(), AgentTaskSpec.class);
    raised.budget.maxTokens = 200L;
    TaskRef patched = new TaskRef("t", "ns", "uid-1", 2L, raised, java.util.Map.of());
    AgentTaskStatus done = h.resume(patched, status, script, 100);

    assertThat(done.phase).as(done.message).isEqualTo(TaskPhase.Succeeded);
    assertThat(script.calls).hasSize(2); // the first step was not run again
    assertThat(done.steps.get(0).attempts).isEqualTo(1);
    assertThat(done.usage.inputTokens + done.usage.outputTokens).isEqualTo(92);
    assertThat(done.checkpoint.budgetHeld).isNull();
    assertThat(h.reasons()).doesNotContain("SpecChanged");
  }

  @Test
  void aCostBudgetCountsThePriceOfWhatTheCallMaySpend() throws Exception {
    EngineHarness h = new EngineHarness(pricing());
    // gpt-4o: 1000 output tokens at 10 per 1M may cost 0.01 (+ the input estimate).
    TaskRef task =
        EngineHarness.task(
            "  budget: {maxCost: 0.01}\n  steps:\n" + llm("only", "gpt-4o", 1000, "12345678"));
    Script script = new Script(ok(1, 1));

    AgentTaskStatus status = h.run(task, script);

    assertThat(script.calls).isEmpty();
    assertThat(status.phase).isEqualTo(TaskPhase.Suspended);
    assertThat(status.message)
        .isEqualTo(
            "only: budget exhausted: spent 0 of maxCost 0.01; the next call (gpt-4o) could cost"
                + " 0.010005 (1000 maxTokens + about 2 input tokens)");
  }

  @Test
  void usageSurvivesACheckpointRoundTripWithoutBeingCountedAgain() {
    EngineHarness h = new EngineHarness();
    TaskRef task = EngineHarness.task("  steps:\n" + llm("a", "m", 8, "x") + llm("b", "m", 8, "y"));
    Script first = new Script(ok(5, 5));
    AgentTaskStatus status = new AgentTaskStatus();
    h.events.addAll(h.engine.prepare(task, status));
    Plan plan = h.engine.plan(task, status, java.util.Set.of(), h.events);
    Attempt a = plan.start().get(0);
    h.engine.complete(task, status, a, first.apply(a.request()), java.time.Duration.ZERO, h.events);
    // A new process reads the checkpoint as stored and carries on.
    AgentTaskStatus stored = Json.copy(status, AgentTaskStatus.class);
    EngineHarness restarted = new EngineHarness();

    AgentTaskStatus done = restarted.resume(task, stored, new Script(ok(1, 1)), 100);

    assertThat(done.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(done.usage.inputTokens).isEqualTo(6);
    assertThat(done.usage.outputTokens).isEqualTo(6);
    assertThat(done.steps.get(0).usage.inputTokens).isEqualTo(5);
  }

  @Test
  void priceTablesAreValidated() {
    assertThatThrownBy(() -> Pricing.parse("gpt-4o: {input: 1}"))
        .hasMessage("gpt-4o.output: required (price per 1M tokens)");
    assertThatThrownBy(() -> Pricing.parse("gpt-4o: {input: cheap, output: 1}"))
        .hasMessage("gpt-4o.input: \"cheap\" is not a number");
    assertThatThrownBy(() -> Pricing.parse("gpt-4o: {input: -1, output: 1}"))
        .hasMessage("gpt-4o.input: -1 is negative");
    assertThatThrownBy(() -> Pricing.parse("gpt-4o: {input: 1, output: 1, cached: 0.5}"))
        .hasMessage("gpt-4o.cached: unknown field (input and output are the prices)");
    assertThatThrownBy(() -> Pricing.parse("- gpt-4o")).hasMessageContaining("expected one map");
  }

  @Test
  void globsMatchAcrossSlashesAndTheFirstInFileOrderWins() throws Exception {
    Pricing p =
        Pricing.parse("\"meta-llama/*\": {input: 1, output: 2}\n\"*\": {input: 9, output: 9}");
    assertThat(p.of("meta-llama/Llama-3-8B").input()).isEqualByComparingTo("1");
    assertThat(p.of("other").input()).isEqualByComparingTo("9");
    assertThat(Pricing.NONE.cost("gpt-4o", new TokenUsage(1, 1))).isNull();
  }

  @Test
  void theInputEstimateIsAboutATokenPerFourCharacters() {
    Call.LlmCall call =
        new Call.LlmCall(
            "openai",
            "http://127.0.0.1:1",
            "m",
            null,
            List.of(new dev.steadfast.engine.llm.ChatMessage("user", "123456789")),
            10,
            null,
            false,
            null);
    assertThat(Ledger.estimatedInput(call)).isEqualTo(3);
  }

  private static Condition condition(AgentTaskStatus s, String type) {
    return s.conditions.stream().filter(c -> c.type.equals(type)).findFirst().orElseThrow();
  }
}
