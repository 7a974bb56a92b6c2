package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.ErrorInfo;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
import dev.steadfast.operator.LoopbackEgress;
import dev.steadfast.operator.OperatorHarness;
import dev.steadfast.operator.SteadfastOperator;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/security.md "Egress closed to the cluster by default" on a real API server: steps aimed at
 * this machine under several spellings are refused while --egress-allow is empty, with no request
 * reaching the listener, and served once the allow list names loopback. Only loopback is ever
 * targeted; refusals of metadata and private addresses are proven by EgressPolicyTest.
 */
@RealApiServer
class EgressE2EIT {
  static final String NS = "e2e-egress";
  static KubernetesClient client;
  static LlmSimulator sim;

  @BeforeAll
  static void start(KubeApiServer apiServer) {
    client = apiServer.client();
    apiServer.namespace(NS);
    apiServer.installCrd();
    sim = LlmSimulator.builder().port(0).build().start();
  }

  @AfterAll
  static void stop() {
    if (sim != null) {
      sim.stop();
    }
  }

  static SteadfastOperator operator(List<String> egressAllow) {
    return OperatorHarness.start(
        client,
        c ->
            c.namespaces(NS)
                .maxConcurrentSteps(8)
                .operatorNamespace(NS)
                .egressAllow(egressAllow)
                .identity("egress"));
  }

  @Test
  void loopbackUnderAnySpellingIsRefusedUntilAllowed() throws Exception {
    int port = sim.port();
    Map<String, String> hosts =
        Map.of(
            "dotted", "127.0.0.1",
            "name", "localhost",
            "decimal", "2130706433",
            "ipv6", "[::1]",
            "mapped", "[::ffff:127.0.0.1]");
    // (127.1 is no spelling here: java.net.URI finds no host in it, so the step is InvalidSpec.)
    try (SteadfastOperator closed = operator(List.of())) {
      hosts.forEach((name, host) -> apply("denied-" + name, "http://" + host + ":" + port + "/v1"));
      for (String name : hosts.keySet()) {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> get("denied-" + name).getStatus(),
                s -> s != null && s.phase == TaskPhase.Failed);
        ErrorInfo error = get("denied-" + name).getStatus().steps.get(0).lastError;
        assertThat(error.reason).as(name).isEqualTo("EgressDenied");
        assertThat(error.message).as(name).contains("--egress-allow");
      }
      assertThat(sim.requests()).isEmpty();
    }

    try (SteadfastOperator open = operator(LoopbackEgress.ALLOW)) {
      // [::1] is left out: the simulator listens on 127.0.0.1 only.
      for (String name : List.of("dotted", "name", "decimal", "mapped")) {
        apply("allowed-" + name, "http://" + hosts.get(name) + ":" + port + "/v1");
      }
      for (String name : List.of("dotted", "name", "decimal", "mapped")) {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> get("allowed-" + name).getStatus(),
                s -> s != null && s.phase == TaskPhase.Succeeded);
      }
      assertThat(sim.requests()).hasSize(4);
    }
  }

  static void apply(String name, String endpoint) {
    try {
      client
          .resource(
              Json.YAML.readValue(
                  "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: "
                      + name
                      + ", namespace: "
                      + NS
                      + "}\nspec:\n  policy: {timeout: 5s}\n  steps:\n    - name: a\n      llm: {endpoint: '"
                      + endpoint
                      + "', model: m, messages: [{role: user, content: hi}]}\n",
                  AgentTask.class))
          .create();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static AgentTask get(String name) {
    return client.resources(AgentTask.class).inNamespace(NS).withName(name).get();
  }
}
