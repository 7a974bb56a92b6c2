package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
import dev.steadfast.operator.OperatorHarness;
import dev.steadfast.operator.SteadfastOperator;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A benchmark that prints numbers rather than asserting them: many tasks at once through one
 * operator on the real API server, each step a model call to the simulator. What it asserts is what
 * must hold at any speed: every task succeeds and every step is called exactly once.
 */
@RealApiServer
class ThroughputIT {
  static final String NS = "e2e-throughput";
  static final int TASKS = 100;

  @Test
  void aHundredTwoStepTasksEachStepCalledOnce(KubeApiServer server) throws Exception {
    KubernetesClient client = server.client();
    server.namespace(NS);
    server.installCrd();
    OperatorHarness.boundSecret(client, NS, "llm-credentials", "api-key", "sk-throughput");
    try (LlmSimulator sim =
        LlmSimulator.builder().port(0).latency(Duration.ofMillis(50)).build().start()) {
      SteadfastOperator operator =
          OperatorHarness.start(
              client,
              c -> c.namespaces(NS).maxConcurrentSteps(64).operatorNamespace(NS).identity("bench"));
      try {
        String step =
            "      llm: {endpoint: '"
                + sim.baseUrl()
                + "/v1', model: gpt-4o, apiKeySecretRef: {name: llm-credentials, key: api-key},"
                + " messages: [{role: user, content: hi}]}\n";
        long started = System.nanoTime();
        for (int i = 0; i < TASKS; i++) {
          client
              .resource(
                  Json.YAML.readValue(
                      "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: t"
                          + i
                          + ", namespace: "
                          + NS
                          + "}\nspec:\n  steps:\n    - name: a\n"
                          + step
                          + "    - name: b\n"
                          + step,
                      AgentTask.class))
              .create();
        }
        long created = System.nanoTime();
        await()
            .atMost(Duration.ofMinutes(5))
            .pollInterval(Duration.ofMillis(250))
            .until(
                () ->
                    client.resources(AgentTask.class).inNamespace(NS).list().getItems().stream()
                            .filter(
                                t ->
                                    t.getStatus() != null
                                        && t.getStatus().phase == TaskPhase.Succeeded)
                            .count()
                        == TASKS);
        long done = System.nanoTime();
        assertThat(sim.requests()).hasSize(2 * TASKS);
        assertThat(sim.requests())
            .extracting(RecordedRequest::idempotencyKey)
            .doesNotHaveDuplicates();
        String metrics = operator.metrics().scrape();
        System.out.printf(
            "throughput: %d two-step tasks (model latency 50 ms, --max-concurrent-steps 64):"
                + " created in %d ms, all Succeeded %d ms after the first create (%.1f tasks/s);"
                + " %.0f reconciles, status writes ok %s, conflict %s%n",
            TASKS,
            (created - started) / 1_000_000,
            (done - started) / 1_000_000,
            TASKS / ((done - started) / 1e9),
            operator.metrics().reconciles(),
            counter(metrics, "ok"),
            counter(metrics, "conflict"));
      } finally {
        operator.close();
      }
    }
  }

  static String counter(String scrape, String result) {
    Matcher m =
        Pattern.compile("steadfast_checkpoint_writes_total\\{result=\"" + result + "\"} ([0-9.]+)")
            .matcher(scrape);
    return m.find() ? m.group(1) : "?";
  }
}
