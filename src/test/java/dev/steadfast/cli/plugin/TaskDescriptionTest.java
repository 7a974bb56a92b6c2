package dev.steadfast.cli.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.format.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** describe's text for the states a person meets: columns line up, the waiting line, the hints. */
class TaskDescriptionTest {
  static final Instant NOW = Instant.parse("2026-11-30T06:00:33Z");

  static AgentTask task(String spec, String status) throws Exception {
    return Json.YAML.readValue(
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\n"
            + "metadata: {name: essay, namespace: team-a}\nspec:\n"
            + spec
            + "status:\n"
            + status,
        AgentTask.class);
  }

  static final String STEPS = "  steps: [{name: plan, llm: {model: m}}]\n";

  @Test
  void aWaitingTaskShowsItsTimelineInAlignedColumnsAndUntilWhenItWaits() throws Exception {
    AgentTask t =
        task(
            STEPS,
            "  phase: Waiting\n  currentStep: plan\n  nextAttemptAt: '2026-11-30T06:00:41Z'\n"
                + "  conditions: [{type: Reconciling, status: 'True', reason: RateLimited}]\n"
                + "  steps:\n  - name: plan\n    phase: Waiting\n    attempts: 13\n"
                + "    historyDropped: 11\n    history:\n"
                + "    - {at: '2026-11-30T06:00:10Z', attempt: 12, outcome: Failed, tier: Transient,"
                + " reason: RateLimited, code: 429, wait: 4s, usage: {inputTokens: 10, outputTokens: 0}}\n"
                + "    - {at: '2026-11-30T06:00:33Z', attempt: 13, item: 4, outcome: Failed,"
                + " tier: Transient, reason: RateLimited, code: 429, wait: 8s, fallback: llm}\n");

    String text = TaskDescription.describe(t, NOW);

    assertThat(text)
        .contains(
            "  plan  Waiting  attempts 13\n"
                + "    (11 earlier attempts not kept)\n"
                + "    TIME                  ATTEMPT      OUTCOME  TIER       REASON       CODE  WAIT  FALLBACK  TOKENS  COST\n"
                + "    2026-11-30T06:00:10Z  12           Failed   Transient  RateLimited  429   4s    -         10+0    -\n"
                + "    2026-11-30T06:00:33Z  13 (item 4)  Failed   Transient  RateLimited  429   8s    llm       -       -\n");
    assertThat(text)
        .contains("Waiting for:  RateLimited: next attempt at 2026-11-30T06:00:41Z (in 8s)\n")
        .contains("  kubectl steadfast suspend essay -n team-a\n");
  }

  /**
   * The status keeps no history line for a first attempt that succeeded; describe still shows it.
   */
  @Test
  void aStepThatSucceededAtItsFirstAttemptShowsThatAttemptFromItsOwnFields() throws Exception {
    AgentTask t =
        task(
            STEPS,
            "  phase: Succeeded\n  steps:\n  - name: plan\n    phase: Succeeded\n    attempts: 1\n"
                + "    startedAt: '2026-11-30T06:00:09.120Z'\n    completedAt: '2026-11-30T06:00:10.457Z'\n"
                + "    usage: {inputTokens: 12, outputTokens: 30}\n");

    String text = TaskDescription.describe(t, NOW);

    assertThat(text)
        .contains(
            "  plan  Succeeded  attempts 1  12+30 tokens\n"
                + "    TIME                      ATTEMPT  OUTCOME    TIER  REASON  CODE  WAIT  FALLBACK  TOKENS  COST\n"
                + "    2026-11-30T06:00:10.457Z  1        Succeeded  -     -       -     -     -         12+30   -\n");
  }

  @Test
  void aTaskHeldByItsBudgetIsToldHowToRaiseIt() throws Exception {
    AgentTask t =
        task(
            STEPS + "  budget: {maxTokens: 20000}\n",
            "  phase: Suspended\n"
                + "  conditions: [{type: Stalled, status: 'False', reason: BudgetExhausted}]\n");

    String text = TaskDescription.describe(t, NOW);

    assertThat(text)
        .contains("Waiting for:  a higher budget (BudgetExhausted)")
        .contains(
            "  kubectl patch agenttask essay -n team-a --type merge -p"
                + " '{\"spec\":{\"budget\":{\"maxTokens\":40000}}}'\n")
        .contains("(none started yet)");
  }

  @Test
  void aSuspendedTaskIsToldToResumeAndASucceededOneNeedsNothing() throws Exception {
    String suspended =
        TaskDescription.describe(task(STEPS + "  suspend: true\n", "  phase: Suspended\n"), NOW);
    assertThat(suspended)
        .contains("Waiting for:  resume (Suspended)")
        .contains("  kubectl steadfast resume essay -n team-a\n");

    String done = TaskDescription.describe(task(STEPS, "  phase: Succeeded\n"), NOW);
    assertThat(done)
        .contains("Waiting for:  nothing: the task succeeded")
        .doesNotContain("What you can do");
  }

  @Test
  void aFailedTaskIsToldToRetryAfterFixingTheCause() throws Exception {
    AgentTask t =
        task(
            STEPS,
            "  phase: Failed\n"
                + "  conditions: [{type: Stalled, status: 'True', reason: Unauthorized}]\n"
                + "  steps: [{name: plan, phase: Failed, attempts: 1,"
                + " lastError: {reason: Unauthorized, message: 'HTTP 401'}}]\n");

    String text = TaskDescription.describe(t, NOW);

    assertThat(text)
        .contains("Waiting for:  a person: the task failed (Unauthorized)")
        .contains("    last error: Unauthorized: HTTP 401\n")
        .contains("  kubectl steadfast retry essay -n team-a\n");
  }
}
