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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * docs/security.md "Bounded work per task" on the real API server: a forEach over --max-items and a
 * task whose status would outgrow what the API server stores each fail with their reason, and a
 * task of another namespace completes meanwhile.
 */
@RealApiServer
class BoundsE2EIT {
  static final String HOSTILE = "e2e-bounds-hostile";
  static final String OTHER = "e2e-bounds-other";

  @Test
  void oversizedWorkFailsWithItsReasonAndTheOperatorKeepsServing(KubeApiServer server)
      throws Exception {
    KubernetesClient client = server.client();
    server.namespace(HOSTILE);
    server.namespace(OTHER);
    server.installCrd();
    try (LlmSimulator sim = LlmSimulator.builder().port(0).build().start()) {
      SteadfastOperator operator =
          OperatorHarness.start(
              client,
              c ->
                  c.namespaces(HOSTILE, OTHER)
                      .maxConcurrentSteps(16)
                      .operatorNamespace(OTHER)
                      .identity("bounds"));
      try {
        String echo =
            "      http: {method: POST, url: '"
                + sim.baseUrl()
                + "/echo', body: {pad: '{{ inputs.pad }}', i: '{{ item }}'}}\n";
        // 10,001 items: one over the default --max-items.
        create(
            client,
            HOSTILE,
            "many",
            "  inputs: {pad: x, xs: "
                + list(10_001)
                + "}\n  steps:\n    - name: each\n"
                + "      forEach: {items: inputs.xs}\n"
                + echo);
        // 300 items of ~3.8 KiB each, kept inline: about 1.1 MiB of checkpoints.
        create(
            client,
            HOSTILE,
            "huge",
            "  inputs: {pad: '"
                + "x".repeat(3700)
                + "', xs: "
                + list(300)
                + "}\n  maxTotalAttempts: 1000\n  steps:\n    - name: each\n"
                + "      forEach: {items: inputs.xs, concurrency: 16}\n"
                + echo);
        create(
            client,
            OTHER,
            "small",
            "  steps:\n    - name: a\n      http: {url: '" + sim.baseUrl() + "/items?count=2'}\n");

        await()
            .atMost(Duration.ofMinutes(3))
            .until(
                () ->
                    phase(client, HOSTILE, "many") != null
                        && phase(client, HOSTILE, "many").isFinal());
        AgentTask many = get(client, HOSTILE, "many");
        assertThat(many.getStatus().phase).isEqualTo(TaskPhase.Failed);
        assertThat(many.getStatus().steps.get(0).lastError.reason).isEqualTo("InvalidSpec");
        assertThat(many.getStatus().message)
            .contains("10001 items", "limit of 10000", "--max-items");

        await()
            .atMost(Duration.ofMinutes(1))
            .until(() -> phase(client, OTHER, "small") == TaskPhase.Succeeded);

        await()
            .atMost(Duration.ofMinutes(5))
            .until(
                () ->
                    phase(client, HOSTILE, "huge") != null
                        && phase(client, HOSTILE, "huge").isFinal());
        AgentTask huge = get(client, HOSTILE, "huge");
        assertThat(huge.getStatus().phase).isEqualTo(TaskPhase.Failed);
        assertThat(huge.getStatus().steps.get(0).lastError.reason).isEqualTo("StatusTooLarge");
        System.out.printf(
            "BoundsE2EIT: %s; the stored task is %d bytes; %d echo calls made%n",
            huge.getStatus().message,
            Json.write(huge).getBytes(StandardCharsets.UTF_8).length,
            sim.requests().size() - 1);
        String metrics = operator.metrics().scrape();
        assertThat(metrics).contains("steadfast_checkpoint_writes_total{result=\"error\"} 0.0");
        assertThat(operator.ready()).isTrue();
      } finally {
        operator.close();
      }
    }
  }

  static String list(int n) {
    return IntStream.range(0, n)
        .mapToObj(Integer::toString)
        .collect(Collectors.joining(",", "[", "]"));
  }

  static void create(KubernetesClient client, String ns, String name, String spec)
      throws Exception {
    client
        .resource(
            Json.YAML.readValue(
                "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: "
                    + name
                    + ", namespace: "
                    + ns
                    + "}\nspec:\n"
                    + spec,
                AgentTask.class))
        .create();
  }

  static AgentTask get(KubernetesClient client, String ns, String name) {
    return client.resources(AgentTask.class).inNamespace(ns).withName(name).get();
  }

  static TaskPhase phase(KubernetesClient client, String ns, String name) {
    AgentTask t = get(client, ns, name);
    return t == null || t.getStatus() == null ? null : t.getStatus().phase;
  }
}
