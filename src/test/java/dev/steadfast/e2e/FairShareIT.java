package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
import dev.steadfast.operator.OperatorHarness;
import dev.steadfast.operator.SteadfastOperator;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/security.md "fair share per namespace", on the real API server: namespace A floods the
 * operator with 200 slow tasks (--max-concurrent-steps 4, each model call 400 ms), then namespace B
 * creates one. Handed out first come first served, B's attempt would start only after every A
 * attempt queued before it; round-robin by namespace, it takes the next free slot.
 */
@RealApiServer
class FairShareIT {
  static final String A = "e2e-fair-a";
  static final String B = "e2e-fair-b";
  static final int FLOOD = 200;
  static final int SLOTS = 4;
  static final Duration LATENCY = Duration.ofMillis(400);

  @Test
  void aFloodOfTasksInOneNamespaceDelaysAnothersTaskByAboutOneSlotsTurn(KubeApiServer server)
      throws Exception {
    KubernetesClient client = server.client();
    server.namespace(A);
    server.namespace(B);
    server.installCrd();
    for (String ns : List.of(A, B)) {
      OperatorHarness.boundSecret(client, ns, "llm-credentials", "api-key", "sk-fair");
    }
    try (LlmSimulator sim = LlmSimulator.builder().port(0).latency(LATENCY).build().start()) {
      SteadfastOperator operator =
          OperatorHarness.start(
              client,
              c ->
                  // The slots' fair share is what this measures; adaptive concurrency would hold
                  // A's flood at A's own key before it reached the slots (docs/rate-limits.md).
                  c.namespaces(A, B)
                      .adaptiveConcurrency(false)
                      .maxConcurrentSteps(SLOTS)
                      .operatorNamespace(A)
                      .identity("fair"));
      try {
        for (int i = 0; i < FLOOD; i++) {
          create(client, A, "a" + i, sim);
        }
        // The flood is queued: most of A's attempts wait for a slot.
        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> gauge(operator, "steadfast_slots_waiting", A) >= FLOOD / 2);
        int aheadOfB = (int) gauge(operator, "steadfast_slots_waiting", A);
        assertThat(gauge(operator, "steadfast_slots_in_use", A)).isEqualTo(SLOTS);

        long t0 = System.nanoTime();
        create(client, B, "b", sim);
        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(20))
            .until(() -> phase(client, B, "b") == TaskPhase.Succeeded);
        long waitedMs = (System.nanoTime() - t0) / 1_000_000 - LATENCY.toMillis();
        long fifoMs = (long) aheadOfB * LATENCY.toMillis() / SLOTS;
        long stillWaiting = gauge(operator, "steadfast_slots_waiting", A);
        System.out.printf(
            "FairShareIT: B waited %d ms behind %d tasks of A (%d of them waiting for a slot when"
                + " B was created, %d still waiting when B succeeded; first come first served"
                + " would be about %d ms; one slot's turn is %d ms)%n",
            waitedMs, FLOOD, aheadOfB, stillWaiting, fifoMs, LATENCY.toMillis());
        assertThat(waitedMs).isLessThan(fifoMs / 4);
        assertThat(stillWaiting).as("B did not wait for A to drain").isGreaterThan(0);
      } finally {
        operator.close();
      }
    }
  }

  static void create(KubernetesClient client, String ns, String name, LlmSimulator sim)
      throws Exception {
    client
        .resource(
            Json.YAML.readValue(
                "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: "
                    + name
                    + ", namespace: "
                    + ns
                    + "}\nspec:\n  policy: {timeout: 30s}\n  steps:\n    - name: a\n"
                    + "      llm: {endpoint: '"
                    + sim.baseUrl()
                    + "/v1', model: gpt-4o, apiKeySecretRef: {name: llm-credentials, key: api-key},"
                    + " messages: [{role: user, content: 'from "
                    + name
                    + "'}]}\n",
                AgentTask.class))
        .create();
  }

  static TaskPhase phase(KubernetesClient client, String ns, String name) {
    AgentTask t = client.resources(AgentTask.class).inNamespace(ns).withName(name).get();
    return t == null || t.getStatus() == null ? null : t.getStatus().phase;
  }

  /** A per-namespace gauge as scraped; 0 when the namespace has no series (nothing there). */
  static long gauge(SteadfastOperator operator, String name, String ns) {
    Matcher m =
        Pattern.compile(name + "\\{namespace=\"" + ns + "\"} ([0-9.]+)")
            .matcher(operator.metrics().scrape());
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
  }
}
