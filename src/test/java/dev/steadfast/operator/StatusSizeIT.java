package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.format.Json;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * docs/security.md: "A task whose status would exceed what the API server stores fails with a
 * reason, never loops on a refused write." The mock API server stores anything, so only the
 * operator's own guard can stop this task: without it, the task would succeed here and be refused
 * by a real one.
 */
@EnableKubernetesMockClient(crud = true)
class StatusSizeIT {
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

  /**
   * 300 items whose outputs are each just under the 4 KiB kept inline: about 1.1 MiB of checkpoints
   * in the status, over the 1 MiB the operator writes.
   */
  static String bigForEach() {
    String xs =
        IntStream.range(0, 300).mapToObj(Integer::toString).collect(Collectors.joining(","));
    return "  inputs: {pad: '"
        + "x".repeat(3700)
        + "', xs: ["
        + xs
        + "]}\n  maxTotalAttempts: 1000\n  policy: {timeout: 5s}\n  steps:\n    - name: each\n"
        + "      forEach: {items: inputs.xs, concurrency: 16}\n"
        + "      http: {method: POST, url: 'SIM/echo', body: {pad: '{{ inputs.pad }}', i: '{{ item }}'}}\n";
  }

  @Test
  void aStatusTooLargeToStoreFailsTheTaskWithASmallStatusAndTheOperatorKeepsServing() {
    sim = LlmSimulator.builder().port(0).build().start();
    h = new OperatorHarness(client, sim);
    h.startOperator();

    h.apply("huge", bigForEach());

    await().atMost(Duration.ofSeconds(120)).until(() -> "Failed".equals(h.phase("huge")));
    AgentTask t = h.get("huge");
    var stalled = h.conditionOf("huge", "Stalled");
    assertThat(stalled.status).isEqualTo("True");
    assertThat(stalled.reason).isEqualTo("StatusTooLarge");
    assertThat(t.getStatus().message).contains("StatusTooLarge").contains("KiB");
    assertThat(t.getStatus().steps.get(0).lastError.reason).isEqualTo("StatusTooLarge");
    assertThat(t.getStatus().checkpoint.steps.get(0).units).isEmpty();
    int bytes = Json.write(t).getBytes(StandardCharsets.UTF_8).length;
    System.out.println("StatusSizeIT: the failed task is " + bytes + " bytes");
    assertThat(bytes).isLessThan(64 * 1024);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(h.eventReasons("huge")).contains("FatalError"));

    // No loop: the status stays as written.
    String version = t.getMetadata().getResourceVersion();
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .until(() -> version.equals(h.get("huge").getMetadata().getResourceVersion()));

    h.apply("after", "  steps:\n" + OperatorHarness.llmStep("a", "m", ""));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("after")));
  }
}
