package dev.steadfast.operator;

import static dev.steadfast.operator.OperatorHarness.fastPolicy;
import static dev.steadfast.operator.OperatorHarness.llmStep;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a task created suspended costs the operator: the one status write that records Suspended, no
 * event, no second status write and no finalizer patch. Writes are counted in the mock API server's
 * request log, by verb and path.
 */
@EnableKubernetesMockClient(crud = true)
class SuspendedWritesIT {
  private static final Duration LONG = Duration.ofSeconds(60);
  private static final int TASKS = 10;
  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");
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

  /** Write requests since the last call, by "VERB path-without-query" with the name cut off. */
  Map<String, Integer> writes() throws InterruptedException {
    Map<String, Integer> writes = new TreeMap<>();
    RecordedRequest r;
    while ((r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      if (WRITES.contains(r.getMethod())) {
        String path = r.getPath().replaceAll("\\?.*", "").replaceAll("/s-\\d+", "/NAME");
        writes.merge(r.getMethod() + " " + path, 1, Integer::sum);
      }
    }
    return writes;
  }

  @Test
  void aTaskCreatedSuspendedCostsOneStatusWriteAndNoEvent() throws Exception {
    sim = LlmSimulator.builder().port(0).build().start();
    h = new OperatorHarness(client, sim);
    h.startOperator();
    writes();

    IntStream.range(0, TASKS)
        .forEach(
            i ->
                h.apply(
                    "s-" + i,
                    "  suspend: true\n"
                        + fastPolicy()
                        + "  steps:\n"
                        + llmStep("a", "gpt-4o", "")));
    await()
        .atMost(LONG)
        .until(
            () -> IntStream.range(0, TASKS).allMatch(i -> "Suspended".equals(h.phase("s-" + i))));
    // Events are sent asynchronously: all is written once no write arrives for two seconds.
    Map<String, Integer> writes = new TreeMap<>();
    AtomicInteger last = new AtomicInteger(-1);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(LONG)
        .until(
            () -> {
              writes().forEach((k, v) -> writes.merge(k, v, Integer::sum));
              int total = writes.values().stream().mapToInt(Integer::intValue).sum();
              return last.getAndSet(total) == total;
            });
    writes.remove("POST /apis/steadfast.dev/v1alpha1/namespaces/default/agenttasks"); // the test's
    System.out.printf("writes for %d tasks created suspended: %s%n", TASKS, writes);

    // The status write that records Suspended, one per task, and nothing else: no event, no
    // finalizer patch (the operator puts no finalizer on tasks).
    String status = "PUT /apis/steadfast.dev/v1alpha1/namespaces/default/agenttasks/NAME/status";
    assertThat(writes).containsOnly(org.assertj.core.api.Assertions.entry(status, TASKS));
    assertThat(sim.requests()).isEmpty();
  }
}
