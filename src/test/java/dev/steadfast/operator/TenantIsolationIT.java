package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.StepPhase;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * docs/security.md "Tenants are isolated", through the operator on fabric8's mock API server:
 * output ConfigMaps the task does not own are never overwritten, and breaker states of an earlier,
 * unscoped version neither crash the operator nor leak into a namespace.
 */
@EnableKubernetesMockClient(crud = true)
class TenantIsolationIT {
  static KubernetesClient client;
  LlmSimulator sim;
  OperatorHarness h;

  void start() {
    sim = LlmSimulator.builder().port(0).build().start();
    h = new OperatorHarness(client, sim);
    h.startOperator();
  }

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
    if (sim != null) {
      sim.stop();
    }
    client.resources(AgentTask.class).inAnyNamespace().delete();
    client.configMaps().inNamespace(OperatorHarness.NS).delete();
  }

  /** An http step whose output (200 items) is far over the 4 KiB kept inline in the status. */
  static final String BIG_OUTPUT =
      "  steps:\n    - name: fetch\n      http: {url: 'SIM/items?count=200'}\n";

  ConfigMap foreign(String name) {
    return client
        .configMaps()
        .inNamespace(OperatorHarness.NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(OperatorHarness.NS)
                .endMetadata()
                .addToData("settings.yaml", "owner: someone else\n")
                .build())
        .create();
  }

  @Test
  void anOutputConfigMapNameTakenByAForeignObjectFailsOutputConflictAndKeepsItsContent() {
    ConfigMap before = foreign("big-fetch-output");
    start();

    h.apply("big", BIG_OUTPUT);

    await().atMost(Duration.ofSeconds(60)).until(() -> "Failed".equals(h.phase("big")));
    AgentTask t = h.get("big");
    var stalled = h.conditionOf("big", "Stalled");
    assertThat(stalled.status).isEqualTo("True");
    assertThat(stalled.reason).isEqualTo("OutputConflict");
    assertThat(t.getStatus().message).contains("OutputConflict").contains("big-fetch-output");
    assertThat(t.getStatus().steps.get(0).phase).isEqualTo(StepPhase.Failed);
    assertThat(t.getStatus().steps.get(0).lastError.reason).isEqualTo("OutputConflict");
    assertThat(t.getStatus().steps.get(0).outputRef).isNull();
    ConfigMap after =
        client.configMaps().inNamespace(OperatorHarness.NS).withName("big-fetch-output").get();
    assertThat(after.getData()).isEqualTo(Map.of("settings.yaml", "owner: someone else\n"));
    assertThat(after.getMetadata().getOwnerReferences()).isNullOrEmpty();
    assertThat(after.getMetadata().getResourceVersion())
        .isEqualTo(before.getMetadata().getResourceVersion());
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(h.eventReasons("big")).contains("FatalError"));

    // Once the name is free, a retry stores the output in a ConfigMap the task owns.
    client.configMaps().inNamespace(OperatorHarness.NS).withName("big-fetch-output").delete();
    client
        .resources(AgentTask.class)
        .inNamespace(OperatorHarness.NS)
        .withName("big")
        .edit(
            x -> {
              x.getMetadata().setAnnotations(Map.of(AgentTask.RETRY_ANNOTATION, "1"));
              return x;
            });
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("big")));
    ConfigMap owned =
        client.configMaps().inNamespace(OperatorHarness.NS).withName("big-fetch-output").get();
    assertThat(owned.getMetadata().getOwnerReferences())
        .extracting(o -> o.getUid())
        .containsExactly(h.get("big").getMetadata().getUid());
  }

  @Test
  void aTaskRewritesTheOutputConfigMapItOwns() {
    start();
    h.apply("own", BIG_OUTPUT + "    - name: again\n      http: {url: 'SIM/items?count=201'}\n");
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("own")));
    assertThat(
            client.configMaps().inNamespace(OperatorHarness.NS).withName("own-fetch-output").get())
        .isNotNull();
    assertThat(
            client.configMaps().inNamespace(OperatorHarness.NS).withName("own-again-output").get())
        .isNotNull();
  }

  @Test
  void breakerStatesOfTheUnscopedEarlierFormatAreIgnored() {
    client
        .configMaps()
        .inNamespace(OperatorHarness.NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("steadfast-breakers")
                .withNamespace(OperatorHarness.NS)
                .endMetadata()
                .addToData(
                    "breakers.json",
                    "{\"shared\":{\"state\":\"OPEN\",\"since\":\"2026-01-01T00:00:00Z\","
                        + "\"openUntil\":\"2999-01-01T00:00:00Z\"}}")
                .build())
        .create();
    start();

    h.apply(
        "old",
        "  policy:\n    circuitBreaker: {key: shared}\n  steps:\n"
            + OperatorHarness.llmStep("a", "gpt-4o", ""));

    // The old "shared" breaker was open until 2999: were it read as this namespace's, the task
    // would wait on it. It runs. (The ConfigMap is rewritten by namespace at a breaker's next
    // transition; a breaker that stays closed writes nothing.)
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("old")));
  }
}
