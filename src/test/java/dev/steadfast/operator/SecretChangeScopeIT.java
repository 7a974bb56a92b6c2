package dev.steadfast.operator;

import static dev.steadfast.operator.OperatorHarness.fastPolicy;
import static dev.steadfast.operator.OperatorHarness.llmStep;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What one Secret costs the operator: its tasks' attempts read it once, not once each, and a change
 * to it reconciles the task stalled on it, not the finished tasks that also name it.
 */
@EnableKubernetesMockClient(crud = true)
class SecretChangeScopeIT {
  private static final Duration LONG = Duration.ofSeconds(60);
  private static final int FINISHED = 30;
  static KubernetesClient client;
  static KubernetesMockServer server;
  LlmSimulator sim;
  OperatorHarness h;

  @AfterEach
  void stop() {
    client.resources(AgentTask.class).inAnyNamespace().delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> client.resources(AgentTask.class).inAnyNamespace().list().getItems().isEmpty());
    if (h != null) {
      h.close();
    }
    if (sim != null) {
      sim.stop();
    }
  }

  int secretGets() throws InterruptedException {
    int gets = 0;
    RecordedRequest r;
    while ((r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      if ("GET".equals(r.getMethod())
          && r.getPath().equals("/api/v1/namespaces/default/secrets/llm")) {
        gets++;
      }
    }
    return gets;
  }

  @Test
  void attemptsShareOneReadOfTheSecretAndAChangeReconcilesOnlyTheTaskStalledOnIt()
      throws Exception {
    sim = LlmSimulator.builder().port(0).build().start();
    h = new OperatorHarness(client, sim);
    h.startOperator();
    secretGets();

    IntStream.range(0, FINISHED)
        .forEach(
            i -> h.apply("done-" + i, fastPolicy() + "  steps:\n" + llmStep("a", "gpt-4o", "")));
    await()
        .atMost(LONG)
        .until(
            () ->
                IntStream.range(0, FINISHED)
                    .allMatch(i -> "Succeeded".equals(h.phase("done-" + i))));
    int gets = secretGets();
    System.out.printf(
        "secret GETs for %d attempts on one Secret: %d (%.2f per attempt)%n",
        FINISHED, gets, (double) gets / FINISHED);
    assertThat(gets).isLessThanOrEqualTo(2); // one, or two if the informer was still listing

    // Stalls on SecretNotFound: the Secret has no key "other" yet.
    h.apply(
        "stalled",
        fastPolicy()
            + "  steps:\n"
            + llmStep("a", "gpt-4o", "")
                .replace("{name: llm, key: key}", "{name: llm, key: other}"));
    await().atMost(LONG).until(() -> "Failed".equals(h.phase("stalled")));
    assertThat(h.conditionOf("stalled", "Stalled").reason).isEqualTo("SecretNotFound");
    double before = h.operator.metrics().reconciles();

    client
        .secrets()
        .inNamespace(OperatorHarness.NS)
        .withName("llm")
        .edit(
            s ->
                new SecretBuilder(s)
                    .addToData("other", Base64.getEncoder().encodeToString("sk-other".getBytes()))
                    .addToStringData("other", "sk-other")
                    .build());

    await().atMost(LONG).until(() -> "Succeeded".equals(h.phase("stalled")));
    // Anything the change queued has run once the count holds still for two seconds.
    AtomicReference<Double> last = new AtomicReference<>(-1.0);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(LONG)
        .until(() -> last.getAndSet(h.operator.metrics().reconciles()).equals(last.get()));
    double reconciles = h.operator.metrics().reconciles() - before;
    System.out.printf(
        "reconciles after one Secret change with %d finished tasks and 1 stalled: %.0f%n",
        FINISHED, reconciles);
    assertThat(reconciles).isGreaterThan(0).isLessThan(FINISHED);
  }
}
