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
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Adaptive concurrency on the real API server: 50 tasks share one API key against a provider that
 * serves 5 requests of a key at once. All succeed, tasks over the limit show that they are queued
 * behind it (host and limit, nothing of the key), and the 429s are few — the benchmark
 * (-Dbench.only=ratelimit) compares them with adaptive concurrency off.
 */
@RealApiServer
class RateLimitIT {
  static final int TASKS = 50;

  @Test
  void fiftyTasksOnOneKeyAllSucceedBehindAProviderLimitOfFive(KubeApiServer server)
      throws Exception {
    KubernetesClient client = server.client();
    String ns = "e2e-ratelimit";
    server.namespace(ns);
    server.installCrd();
    OperatorHarness.boundSecret(client, ns, "llm-credentials", "api-key", "sk-ratelimit");
    try (LlmSimulator sim =
        LlmSimulator.builder()
            .port(0)
            .latency(Duration.ofMillis(200))
            .limitConcurrent(5)
            .build()
            .start()) {
      SteadfastOperator operator =
          OperatorHarness.start(
              client, c -> c.namespaces(ns).operatorNamespace(ns).identity("ratelimit"));
      Set<String> messages = ConcurrentHashMap.newKeySet();
      try {
        for (int i = 0; i < TASKS; i++) {
          client.resource(task(ns, "t" + i, sim.baseUrl())).create();
        }
        await()
            .atMost(Duration.ofMinutes(5))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> {
                  List<AgentTask> items =
                      client.resources(AgentTask.class).inNamespace(ns).list().getItems();
                  items.stream()
                      .filter(t -> t.getStatus() != null && t.getStatus().message != null)
                      .filter(t -> t.getStatus().phase == TaskPhase.Waiting)
                      .forEach(t -> messages.add(t.getStatus().message));
                  return items.stream()
                          .filter(
                              t ->
                                  t.getStatus() != null
                                      && t.getStatus().phase == TaskPhase.Succeeded)
                          .count()
                      == TASKS;
                });
      } finally {
        operator.close();
      }
      List<RecordedRequest> requests = sim.requests();
      long limited = requests.stream().filter(r -> r.status() == 429).count();
      long answered = requests.stream().filter(r -> r.status() == 200).count();
      System.out.printf(
          "ratelimit: %d tasks, provider 5 concurrent per key: %d model calls, %d got 429%n",
          TASKS, requests.size(), limited);
      assertThat(answered).isEqualTo(TASKS);
      assertThat(messages)
          .anySatisfy(
              m ->
                  assertThat(m)
                      .matches("a: queued behind the rate limit of 127\\.0\\.0\\.1, limit \\d+"));
      assertThat(messages)
          .noneMatch(m -> m.contains("sk-ratelimit") || m.contains("llm-credentials"));
      // Without pacing each of the 50 would start at once and 45 would get 429 in the first round
      // alone; paced, the first burst is the start limit (8) and later ones a slot or two.
      assertThat(limited).isLessThan(TASKS / 2);
    }
  }

  private static AgentTask task(String ns, String name, String base) throws Exception {
    return Json.YAML.readValue(
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: "
            + name
            + ", namespace: "
            + ns
            + "}\nspec:\n  steps:\n    - name: a\n      llm: {endpoint: '"
            + base
            + "/v1', model: gpt-4o, apiKeySecretRef: {name: llm-credentials, key: api-key},"
            + " messages: [{role: user, content: "
            + name
            + "}]}\n",
        AgentTask.class);
  }
}
