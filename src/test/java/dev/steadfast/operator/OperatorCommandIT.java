package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `steadfast operator` as a user starts it: a child JVM with /metrics, /healthz and /readyz. */
@EnableKubernetesMockClient(crud = true)
class OperatorCommandIT {
  static KubernetesClient client;

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static HttpResponse<String> get(int port, String path) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      return null;
    }
  }

  @Test
  void theOperatorCommandRunsTasksAndServesMetricsAndHealth(@TempDir Path dir) throws Exception {
    // The operator's default policy: an outage of one provider is a Fatal ProviderDown.
    Path defaultPolicy = dir.resolve("policy.yaml");
    Files.writeString(
        defaultPolicy,
        "classify:\n  - {when: 'response.status == 503', tier: Fatal, reason: ProviderDown}\n");
    int metrics = freePort();
    int health = freePort();
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar",
            Path.of("target/steadfast.jar").toAbsolutePath().toString(),
            "operator",
            "--metrics-port",
            String.valueOf(metrics),
            "--health-port",
            String.valueOf(health),
            "--max-concurrent-steps",
            "4",
            "--default-policy",
            defaultPolicy.toString(),
            LoopbackEgress.ARG);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("KUBERNETES_MASTER", client.getMasterUrl().toString());
    pb.environment().put("KUBERNETES_TRUST_CERTIFICATES", "true");
    pb.environment().put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
    pb.environment().put("KUBERNETES_NAMESPACE", "default");
    Process p = pb.start();
    try (LlmSimulator sim =
        LlmSimulator.builder()
            .port(0)
            .faults(FaultPlan.parse("503@1-99/down-model"))
            .build()
            .start()) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                HttpResponse<String> r = get(health, "/readyz");
                return r != null && r.statusCode() == 200;
              });
      assertThat(get(health, "/healthz").statusCode()).isEqualTo(200);
      OperatorHarness h = new OperatorHarness(client, sim);
      h.apply(
          "cli",
          OperatorHarness.fastPolicy() + "  steps:\n" + OperatorHarness.llmStep("a", "gpt-4o", ""));
      await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("cli")));
      h.apply(
          "cli-defaults",
          OperatorHarness.fastPolicy()
              + "  steps:\n"
              + OperatorHarness.llmStep("b", "down-model", ""));
      await().atMost(Duration.ofSeconds(60)).until(() -> "Failed".equals(h.phase("cli-defaults")));
      assertThat(h.get("cli-defaults").getStatus().steps.get(0).lastError.reason)
          .isEqualTo("ProviderDown");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(get(metrics, "/metrics").body())
                      .contains(
                          "steadfast_attempts_total{namespace=\"default\",reason=\"None\",tier=\"Succeeded\"} 1.0")
                      .contains("steadfast_checkpoint_writes_total{result=\"ok\"}")
                      .contains("steadfast_tasks{namespace=\"default\",phase=\"Succeeded\"} 1.0")
                      .contains("steadfast_ready 1.0"));
    } finally {
      p.destroy();
      p.waitFor();
    }
  }

  @Test
  void anInvalidDefaultPolicyStopsTheOperatorBeforeItStartsNamingTheField(@TempDir Path dir)
      throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "circuitBreaker: {openDuration: soon}\n");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                Path.of("target/steadfast.jar").toAbsolutePath().toString(),
                "operator",
                "--default-policy",
                policy.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(output).isEqualTo(2);
    assertThat(output).contains("--default-policy " + policy + ": circuitBreaker.openDuration");
  }
}
