package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.format.Json;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The steadfast.dev/chaos annotation is honoured only when the operator runs --enable-chaos. */
@EnableKubernetesMockClient(crud = true)
class EnableChaosIT {
  static final Duration BOUND = Duration.ofSeconds(120);
  // Every attempt fails Fatal before the real call, so one attempt tells the two modes apart.
  static final String CHAOS = "'{\"rate\": 1.0, \"faults\": [\"401\"], \"seed\": 3}'";

  static KubernetesClient client;
  LlmSimulator sim;
  OperatorHarness h;

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
    if (sim != null) {
      sim.stop();
    }
    client.resources(AgentTask.class).inAnyNamespace().delete();
  }

  AgentTask applyWithChaos(String name) throws Exception {
    String yaml =
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata:\n  name: "
            + name
            + "\n  namespace: "
            + OperatorHarness.NS
            + "\n  annotations:\n    steadfast.dev/chaos: "
            + CHAOS
            + "\nspec:\n"
            + OperatorHarness.fastPolicy()
            + "  steps:\n"
            + OperatorHarness.llmStep("a", "gpt-4o", "").replace("SIM", sim.baseUrl());
    return client.resource(Json.YAML.readValue(yaml, AgentTask.class)).create();
  }

  @Test
  void theAnnotationInjectsFaultsWithEnableChaosAndIsIgnoredWithout() throws Exception {
    sim = LlmSimulator.builder().port(0).build().start();
    h = new OperatorHarness(client, sim);

    h.enableChaos = true;
    h.startOperator();
    applyWithChaos("chaotic");
    await().atMost(BOUND).until(() -> "Failed".equals(h.phase("chaotic")));
    var error = h.get("chaotic").getStatus().steps.get(0).lastError;
    assertThat(error.reason).isEqualTo("Unauthorized");
    assertThat(error.message).contains("injected by steadfast.dev/chaos");
    assertThat(h.conditionOf("chaotic", "Stalled").reason).isEqualTo("Unauthorized");
    assertThat(sim.requests()).as("the fault replaced the real call").isEmpty();

    h.stopOperator();
    h.enableChaos = false;
    h.startOperator();
    applyWithChaos("calm");
    await().atMost(BOUND).until(() -> "Succeeded".equals(h.phase("calm")));
    assertThat(h.get("calm").getStatus().steps.get(0).attempts).isEqualTo(1);
    assertThat(sim.requests())
        .singleElement()
        .satisfies(r -> assertThat(r.status()).isEqualTo(200));
    assertThat(h.phase("chaotic")).as("a finished task is not rerun").isEqualTo("Failed");
  }
}
