package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * --max-concurrent-steps N gives N calls in flight when N tasks are ready: more than JOSDK's 50
 * reconcile threads, on a model slow enough that every call is still waiting when the last starts.
 */
@EnableKubernetesMockClient(crud = true)
class ConcurrentStepsIT {
  static final int N = 80;
  static KubernetesClient client;
  LlmSimulator sim;
  SteadfastOperator operator;

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
    if (sim != null) {
      sim.stop(); // releases the held calls
    }
    client.resources(AgentTask.class).inAnyNamespace().delete();
  }

  @Test
  void nReadyTasksHaveNCallsInFlightAndNoMore() {
    sim = LlmSimulator.builder().port(0).latency(Duration.ofMinutes(2)).build().start();
    OperatorHarness h = new OperatorHarness(client, sim);
    operator =
        OperatorHarness.start(
            client,
            c ->
                // The slots of --max-concurrent-steps are what is measured; the per-key adaptive
                // limit (all these tasks share one key) starts lower, at 8, and is off here.
                c.maxConcurrentSteps(N)
                    .adaptiveConcurrency(false)
                    .operatorNamespace(OperatorHarness.NS)
                    .identity("concurrent-steps"));
    String policy = "  policy:\n    timeout: 5m\n";
    IntStream.range(0, N + 10)
        .forEach(
            i ->
                h.apply(
                    "t" + i, policy + "  steps:\n" + OperatorHarness.llmStep("a", "gpt-4o", "")));
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> sim.concurrency().current() == N);
    // The ten tasks over N wait for a slot: never more than N calls at once.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> sim.concurrency().current() == N);
    assertThat(sim.concurrency().peak()).isEqualTo(N);
    // Reconciles run on ReconcileThreads (answers folded first), not on JOSDK's default pool.
    assertThat(Thread.getAllStackTraces().keySet())
        .extracting(Thread::getName)
        .filteredOn(name -> name.matches("reconcile-\\d+"))
        .hasSize(SteadfastOperator.reconcileThreads(N));
  }
}
