package dev.steadfast.operator;

import static dev.steadfast.operator.OperatorHarness.llmStep;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How many status writes a one-step task costs: a status whose only news is that the call started
 * waits up to {@link DeferredStarts#BOUND}, so a model that answers within it costs one write (the
 * answer and the start together), and a slower one shows Running within the bound and then costs a
 * second write for its answer. Writes are counted in the mock API server's request log.
 */
@EnableKubernetesMockClient(crud = true)
class StatusWritesIT {
  private static final Duration LONG = Duration.ofSeconds(60);
  private static final String POLICY =
      "  policy:\n    timeout: 30s\n    retry:\n      maxAttempts: 2\n"
          + "      backoff: {initialDelay: 100ms, maxDelay: 1s}\n";
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

  /** Status PUTs for the task {@code name} since the last call. */
  int statusWrites(String name) throws InterruptedException {
    int writes = 0;
    RecordedRequest r;
    while ((r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      if ("PUT".equals(r.getMethod())
          && r.getPath().replaceAll("\\?.*", "").endsWith("/agenttasks/" + name + "/status")) {
        writes++;
      }
    }
    return writes;
  }

  /** Counts the task's status writes until none arrives for two seconds. */
  int settledStatusWrites(String name) {
    AtomicInteger total = new AtomicInteger();
    AtomicInteger last = new AtomicInteger(-1);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(LONG)
        .until(
            () -> {
              total.addAndGet(statusWrites(name));
              return last.getAndSet(total.get()) == total.get();
            });
    return total.get();
  }

  private void oneStepTask(String name) {
    h.apply(name, POLICY + "  steps:\n" + llmStep("a", "gpt-4o", ""));
  }

  @Test
  void aFastModelCostsOneStatusWrite() throws Exception {
    sim = LlmSimulator.builder().port(0).latency(Duration.ofMillis(50)).build().start();
    h = new OperatorHarness(client, sim);
    h.startOperator();
    statusWrites("fast");

    oneStepTask("fast");
    await().atMost(LONG).until(() -> "Succeeded".equals(h.phase("fast")));

    assertThat(settledStatusWrites("fast")).isEqualTo(1);
    assertThat(sim.requests()).hasSize(1);
    assertThat(h.get("fast").getStatus().attempts).isEqualTo(1);
  }

  @Test
  void aSlowModelShowsRunningWithinTheBoundThenCostsASecondWrite() throws Exception {
    Duration latency = Duration.ofSeconds(5);
    sim = LlmSimulator.builder().port(0).latency(latency).build().start();
    h = new OperatorHarness(client, sim);
    h.startOperator();
    statusWrites("slow");

    oneStepTask("slow");
    await().atMost(LONG).pollInterval(Duration.ofMillis(20)).until(() -> !sim.requests().isEmpty());
    long sent = System.nanoTime();
    // The bound, plus slack for a loaded machine, and well before the model answers.
    await()
        .atMost(DeferredStarts.BOUND.plusMillis(2000))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> "Running".equals(h.phase("slow")));
    Duration seen = Duration.ofNanos(System.nanoTime() - sent);
    System.out.println("Running seen " + seen.toMillis() + " ms after the call was sent");
    assertThat(seen).isLessThan(latency);
    AgentTask running = h.get("slow");
    assertThat(running.getStatus().attempts).isEqualTo(1);
    assertThat(running.getStatus().checkpoint.steps.get(0).units.get(0).inFlight).isEqualTo(1);

    await().atMost(LONG).until(() -> "Succeeded".equals(h.phase("slow")));
    assertThat(settledStatusWrites("slow")).isEqualTo(2);
    assertThat(sim.requests()).hasSize(1);
  }

  /**
   * Twelve tasks created at once against a new provider key, whose limit starts at 8 and doubles
   * while no 429 comes (slow start): those over the limit wait for a slot without a status saying
   * Waiting / RateLimited (and without a StepStarted event before anything started), as behind
   * --max-concurrent-steps. Before, each of them first wrote that, then their progress.
   */
  @Test
  void tasksQueuedBehindANewKeysSlowStartWriteNoWaitingStatus() throws Exception {
    sim = LlmSimulator.builder().port(0).latency(Duration.ofMillis(1500)).build().start();
    h = new OperatorHarness(client, sim);
    List<String> waiting = new CopyOnWriteArrayList<>();
    try (Watch watch =
        client
            .resources(AgentTask.class)
            .inAnyNamespace()
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, AgentTask t) {
                    if (t.getStatus() != null && t.getStatus().phase == TaskPhase.Waiting) {
                      waiting.add(t.getMetadata().getName() + ": " + t.getStatus().message);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      h.startOperator();
      int tasks = 12;
      for (int i = 0; i < tasks; i++) {
        oneStepTask("burst-" + i);
      }
      await()
          .atMost(LONG)
          .until(
              () ->
                  java.util.stream.IntStream.range(0, tasks)
                      .allMatch(i -> "Succeeded".equals(h.phase("burst-" + i))));

      // More tasks than the key's first limit, and none was seen waiting behind it.
      assertThat(sim.requests()).hasSize(tasks);
      assertThat(waiting).isEmpty();
    }
  }
}
