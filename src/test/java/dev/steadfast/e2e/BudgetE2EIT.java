package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Condition;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.Pricing;
import dev.steadfast.operator.OperatorHarness;
import dev.steadfast.operator.SteadfastOperator;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Budgets and the usage ledger on the real API server: a task with maxTokens is suspended before
 * the call that could exceed it (BudgetExhausted event, phase and conditions), finishes after a
 * merge patch raises the budget without repeating a step, and its status.usage is exactly what the
 * simulator reported, the answer that failed validation included.
 */
@RealApiServer
class BudgetE2EIT {
  static final String NS = "e2e-budget";

  @Test
  void aTaskOverItsBudgetPausesAndFinishesOnceTheBudgetIsRaised(KubeApiServer server)
      throws Exception {
    KubernetesClient client = server.client();
    server.namespace(NS);
    server.installCrd();
    // The first answer of step `plan` is not JSON: a failed attempt that still reported usage.
    try (LlmSimulator sim =
        LlmSimulator.builder()
            .port(0)
            .faults(FaultPlan.parse("invalid-output@1/planner"))
            .build()
            .start()) {
      Pricing pricing =
          Pricing.parse(
              "planner: {input: 2.5, output: 10}\n\"writer*\": {input: 0.15, output: 0.6}");
      SteadfastOperator operator =
          OperatorHarness.start(
              client,
              c -> c.namespaces(NS).operatorNamespace(NS).identity("budget").pricing(pricing));
      try {
        String endpoint = sim.baseUrl() + "/v1";
        // plan and draft may use at most 200 tokens each; polish may answer 50,000 tokens, which
        // no budget of 20,000 allows.
        BoundsE2EIT.create(
            client,
            NS,
            "essay",
            "  budget: {maxTokens: 20000}\n  steps:\n"
                + step("plan", endpoint, "planner", 200, "        responseFormat: json\n")
                + step("draft", endpoint, "writer-small", 200, "")
                + step("polish", endpoint, "writer-large", 50000, ""));

        await().atMost(Duration.ofMinutes(2)).until(() -> phase(client) == TaskPhase.Suspended);
        AgentTaskStatus held = BoundsE2EIT.get(client, NS, "essay").getStatus();
        assertThat(held.currentStep).isEqualTo("polish");
        assertThat(held.message)
            .startsWith("polish: budget exhausted: spent ")
            .contains("of maxTokens 20000 tokens; the next call (writer-large) could use");
        assertThat(condition(held, "Reconciling").status).isEqualTo("False");
        assertThat(condition(held, "Stalled").status).isEqualTo("False");
        assertThat(condition(held, "Stalled").reason).isEqualTo("BudgetExhausted");
        assertThat(requestsFor(sim, "writer-large")).isEmpty();
        await()
            .atMost(Duration.ofMinutes(1))
            .untilAsserted(
                () ->
                    assertThat(events(client))
                        .anySatisfy(
                            e -> {
                              assertThat(e.getReason()).isEqualTo("BudgetExhausted");
                              assertThat(e.getType()).isEqualTo("Warning");
                              assertThat(e.getMessage()).contains("maxTokens 20000");
                            }));

        // What `kubectl patch agenttask essay --type merge -p ...` sends.
        client
            .resources(AgentTask.class)
            .inNamespace(NS)
            .withName("essay")
            .patch(
                PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"budget\":{\"maxTokens\":200000}}}");

        await().atMost(Duration.ofMinutes(2)).until(() -> phase(client) == TaskPhase.Succeeded);
        AgentTaskStatus done = BoundsE2EIT.get(client, NS, "essay").getStatus();

        // Nothing ran twice: plan twice (the invalid answer and its repair), the others once.
        assertThat(requestsFor(sim, "planner")).hasSize(2);
        assertThat(requestsFor(sim, "planner").get(0).fault()).isEqualTo("invalid-output");
        assertThat(requestsFor(sim, "writer-small")).hasSize(1);
        assertThat(requestsFor(sim, "writer-large")).hasSize(1);
        assertThat(sim.requests().stream().map(RecordedRequest::idempotencyKey).distinct())
            .hasSize(4);

        // status.usage is the sum of what the simulator reported, the failed attempt included.
        List<RecordedRequest> all = sim.requests();
        long in = all.stream().mapToLong(RecordedRequest::inputTokens).sum();
        long out = all.stream().mapToLong(RecordedRequest::outputTokens).sum();
        assertThat(requestsFor(sim, "planner").get(0).inputTokens()).isPositive();
        assertThat(done.usage.inputTokens).isEqualTo(in);
        assertThat(done.usage.outputTokens).isEqualTo(out);
        assertThat(done.steps.get(0).usage.inputTokens)
            .isEqualTo(
                requestsFor(sim, "planner").stream().mapToLong(RecordedRequest::inputTokens).sum());
        BigDecimal cost = BigDecimal.ZERO;
        for (RecordedRequest r : all) {
          cost = cost.add(pricing.of(r.model()).cost(r.inputTokens(), r.outputTokens()));
        }
        assertThat(new BigDecimal(done.usage.cost)).isEqualByComparingTo(cost);
        assertThat(operator.metrics().scrape())
            .contains(
                "steadfast_tokens_total{kind=\"input\",model=\"planner\",namespace=\""
                    + NS
                    + "\"} "
                    + (double)
                        requestsFor(sim, "planner").stream()
                            .mapToLong(RecordedRequest::inputTokens)
                            .sum());
        System.out.printf(
            "BudgetE2EIT: held with \"%s\"; finished with %d input + %d output tokens, cost %s%n",
            held.message, in, out, done.usage.cost);
      } finally {
        operator.close();
      }
    }
  }

  private static String step(
      String name, String endpoint, String model, int maxTokens, String extra) {
    return "    - name: "
        + name
        + "\n      llm:\n        endpoint: '"
        + endpoint
        + "'\n        model: "
        + model
        + "\n        maxTokens: "
        + maxTokens
        + "\n"
        + extra
        + "        messages: [{role: user, content: 'write about "
        + name
        + "'}]\n";
  }

  private static TaskPhase phase(KubernetesClient client) {
    AgentTask t = BoundsE2EIT.get(client, NS, "essay");
    return t == null || t.getStatus() == null ? null : t.getStatus().phase;
  }

  private static List<RecordedRequest> requestsFor(LlmSimulator sim, String model) {
    return sim.requests().stream().filter(r -> model.equals(r.model())).toList();
  }

  private static List<Event> events(KubernetesClient client) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> "essay".equals(e.getInvolvedObject().getName()))
        .toList();
  }

  private static Condition condition(AgentTaskStatus s, String type) {
    return s.conditions.stream().filter(c -> c.type.equals(type)).findFirst().orElseThrow();
  }
}
