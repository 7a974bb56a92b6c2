package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.format.Json;
import dev.steadfast.operator.secrets.SecretPolicy;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * docs/security.md "Secrets opt in and name where they may go", on the mock API server with the
 * simulator (loopback): what a task author observes, and what the simulator received.
 */
@EnableKubernetesMockClient(crud = true)
class SecretBindingIT {
  static final String CANARY = "sk-canary-7Qf2xZ9pL4";
  static KubernetesClient client;
  LlmSimulator sim;
  OperatorHarness h;
  String simHost;

  @BeforeEach
  void start() {
    sim = LlmSimulator.builder().port(0).build().start();
    h = new OperatorHarness(client, sim);
    URI base = URI.create(sim.baseUrl());
    simHost = base.getHost() + ":" + base.getPort();
  }

  @AfterEach
  void stop() {
    h.close();
    sim.stop();
    client.resources(AgentTask.class).inAnyNamespace().delete();
    client.secrets().inAnyNamespace().delete();
    client.v1().events().inAnyNamespace().delete();
  }

  String llmTask(String name) {
    return OperatorHarness.fastPolicy()
        + "  steps:\n"
        + OperatorHarness.llmStep("a", "gpt-4o", "").replace("name: llm,", "name: canary,");
  }

  void awaitStalled(String task) {
    await().atMost(Duration.ofSeconds(60)).until(() -> h.condition(task, "Stalled", "True"));
  }

  /** What a task author (or anyone reading the namespace) can see of a task. */
  String observable(String task) {
    return Json.write(h.get(task).getStatus()) + h.events(task);
  }

  @Test
  void anUnannotatedSecretIsNeverSentAndAddingTheAnnotationRetriesTheTask() {
    h.secret("canary", "key", CANARY, Map.of());
    h.startOperator();
    h.apply("unannotated", llmTask("unannotated"));
    awaitStalled("unannotated");

    var error = h.get("unannotated").getStatus().steps.get(0).lastError;
    assertThat(error.reason).isEqualTo("SecretNotAllowed");
    assertThat(error.message)
        .contains("Secret \"canary\" may not be sent to " + simHost)
        .contains("add it to the annotation steadfast.dev/allowed-hosts on the Secret");
    assertThat(h.conditionOf("unannotated", "Stalled").reason).isEqualTo("SecretNotAllowed");
    assertThat(sim.requests()).isEmpty();
    assertThat(observable("unannotated")).doesNotContain(CANARY);

    // Only the annotation changes (same data): the stalled task is retried and now works.
    h.secret("canary", "key", CANARY);
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("unannotated")));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(h.eventReasons("unannotated")).contains("Retrying"));
    assertThat(h.condition("unannotated", "Stalled", "False")).isTrue();
    assertThat(sim.requests()).hasSize(1);
    assertThat(observable("unannotated")).doesNotContain(CANARY);
  }

  @Test
  void aSecretBoundToAnotherHostIsNotSentHere() {
    h.secret("canary", "key", CANARY, Map.of(OperatorHarness.ALLOWED_HOSTS, "api.openai.com"));
    h.startOperator();
    h.apply("elsewhere", llmTask("elsewhere"));
    awaitStalled("elsewhere");

    assertThat(h.get("elsewhere").getStatus().steps.get(0).lastError.reason)
        .isEqualTo("SecretNotAllowed");
    assertThat(sim.requests()).isEmpty();
    assertThat(observable("elsewhere")).doesNotContain(CANARY);
  }

  @Test
  void aSecretBoundToTheTargetHostIsSent() {
    h.secret(
        "canary",
        "key",
        CANARY,
        Map.of(OperatorHarness.ALLOWED_HOSTS, "api.openai.com, " + simHost));
    h.startOperator();
    h.apply("bound", llmTask("bound"));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("bound")));
    assertThat(sim.requests()).hasSize(1);
    assertThat(observable("bound")).doesNotContain(CANARY);
  }

  @Test
  void httpAuthAndAgentKeysAreBoundLikeLlmKeys() {
    h.secret("canary", "key", CANARY, Map.of(OperatorHarness.ALLOWED_HOSTS, "api.example.com"));
    h.startOperator();
    h.apply(
        "http-auth",
        OperatorHarness.fastPolicy()
            + "  steps:\n    - name: fetch\n      http: {url: 'SIM/items?count=1',"
            + " auth: {secretRef: {name: canary, key: key}}}\n");
    h.apply(
        "agent-key",
        OperatorHarness.fastPolicy()
            + "  steps:\n    - name: ask\n      agent:\n        llm: {endpoint: 'SIM/v1',"
            + " model: gpt-4o, apiKeySecretRef: {name: canary, key: key},"
            + " messages: [{role: user, content: hi}]}\n"
            + "        tools:\n          - {name: list_items, description: Lists items,"
            + " http: {url: 'SIM/items?count=1'}}\n");
    awaitStalled("http-auth");
    awaitStalled("agent-key");

    for (String task : List.of("http-auth", "agent-key")) {
      assertThat(h.get(task).getStatus().steps.get(0).lastError.reason)
          .as(task)
          .isEqualTo("SecretNotAllowed");
      assertThat(observable(task)).doesNotContain(CANARY);
    }
    assertThat(sim.requests()).isEmpty();
  }

  // Today an empty --egress-allow lets any host through EgressGuard, so this reaches the https
  // rule; once loopback is refused by default this task fails EgressDenied first (also no send).
  @Test
  void overPlainHttpASecretGoesOnlyToHostsNamedInEgressAllow() {
    h.secret("canary", "key", CANARY);
    h.startOperator(false, List.of(), List.of());
    h.apply("plain", llmTask("plain"));
    awaitStalled("plain");

    var error = h.get("plain").getStatus().steps.get(0).lastError;
    assertThat(error.reason).isEqualTo("SecretNotAllowed");
    assertThat(error.message).contains("plain http").contains("--egress-allow");
    assertThat(sim.requests()).isEmpty();
  }

  @Test
  void underTheOpenSecretPolicyAnUnannotatedSecretIsSent() {
    h.secret("canary", "key", CANARY, Map.of());
    h.secretPolicy = SecretPolicy.OPEN;
    h.startOperator();
    h.apply("open", llmTask("open"));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("open")));
    assertThat(sim.requests()).hasSize(1);
    assertThat(observable("open")).doesNotContain(CANARY);
  }
}
