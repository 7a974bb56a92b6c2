package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
import dev.steadfast.operator.OperatorHarness;
import dev.steadfast.operator.SteadfastOperator;
import dev.steadfast.simulator.Concurrency;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Prints what --max-concurrent-steps gives on the real API server (calls in flight on average and
 * at most, wall ÷ ideal for one-step tasks on a 200 ms model), and how many answered calls were not
 * in any status a second after they were answered, under load. Asserts what must hold at any speed:
 * every task succeeds and each call is made once; that N calls are in flight at once when N tasks
 * are ready is ConcurrentStepsIT's to prove (here the API server's speed decides).
 */
@RealApiServer
class ConcurrencyIT {
  static final Duration MODEL = Duration.ofMillis(200);
  static final int TASKS = Integer.getInteger("steadfast.concurrency.tasks", 300);

  @Test
  void sixtyFour(KubeApiServer server) throws Exception {
    run(server, "e2e-conc-64", 64);
  }

  @Test
  void twoHundredFiftySix(KubeApiServer server) throws Exception {
    run(server, "e2e-conc-256", 256);
  }

  private void run(KubeApiServer server, String ns, int n) throws Exception {
    KubernetesClient client = server.client();
    server.namespace(ns);
    server.installCrd();
    OperatorHarness.boundSecret(client, ns, "llm-credentials", "api-key", "sk-concurrency");
    try (LlmSimulator sim = LlmSimulator.builder().port(0).latency(MODEL).build().start()) {
      SteadfastOperator operator =
          OperatorHarness.start(
              client,
              c -> c.namespaces(ns).maxConcurrentSteps(n).operatorNamespace(ns).identity("conc"));
      Sampler sampler = new Sampler(sim.concurrency(), TASKS);
      Thread sampling = new Thread(sampler, "in-flight-sampler");
      sampling.setDaemon(true);
      try {
        sampling.start();
        // Created from several threads, as many clients would: the creates are not what is
        // measured.
        java.util.concurrent.ExecutorService creators =
            java.util.concurrent.Executors.newFixedThreadPool(8);
        for (int i = 0; i < TASKS; i++) {
          AgentTask t = task(ns, "t" + i, sim.baseUrl());
          creators.submit(() -> client.resource(t).create());
        }
        creators.shutdown();
        // Halfway through the answers: which tasks hold their answer in status, right now?
        await()
            .atMost(Duration.ofMinutes(5))
            .pollInterval(Duration.ofMillis(5))
            .until(() -> sim.concurrency().answers().size() >= TASKS / 2);
        Instant cut = Instant.now();
        Set<String> checkpointed =
            client.resources(AgentTask.class).inNamespace(ns).list().getItems().stream()
                .filter(
                    t ->
                        t.getStatus() != null
                            && t.getStatus().steps != null
                            && t.getStatus().steps.stream()
                                .anyMatch(s -> s.phase == StepPhase.Succeeded))
                .map(t -> t.getMetadata().getName())
                .collect(Collectors.toSet());
        List<Concurrency.Answer> answered = sim.concurrency().answers();
        Map<String, String> taskOfKey = taskOfKey(sim.requests());
        long overASecond =
            answered.stream()
                .filter(a -> a.at().isBefore(cut.minusSeconds(1)))
                .filter(a -> !checkpointed.contains(taskOfKey.get(a.idempotencyKey())))
                .count();
        long answeredBefore = answered.stream().filter(a -> a.at().isBefore(cut)).count();
        long notYet =
            answered.stream()
                .filter(a -> a.at().isBefore(cut))
                .filter(a -> !checkpointed.contains(taskOfKey.get(a.idempotencyKey())))
                .count();

        await()
            .atMost(Duration.ofMinutes(5))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () ->
                    client.resources(AgentTask.class).inNamespace(ns).list().getItems().stream()
                            .filter(
                                t ->
                                    t.getStatus() != null
                                        && t.getStatus().phase == TaskPhase.Succeeded)
                            .count()
                        == TASKS);
        sampler.stop.set(true);
        sampling.join();
        List<RecordedRequest> requests = sim.requests();
        assertThat(requests).hasSize(TASKS);
        assertThat(requests).extracting(RecordedRequest::idempotencyKey).doesNotHaveDuplicates();
        Instant first = sampler.firstAt;
        List<Concurrency.Answer> all = sim.concurrency().answers();
        Instant last = all.get(all.size() - 1).at();
        long wallMs = Duration.between(first, last).toMillis() + MODEL.toMillis();
        double ideal = Math.ceil(TASKS / (double) n) * MODEL.toMillis();
        System.out.printf(
            "concurrency: %d one-step tasks x %d ms, --max-concurrent-steps %d: calls in flight"
                + " avg %.1f max %d; first request to last answer %d ms = %.1f x ideal (%.0f ms);"
                + " at the half-way cut %d answered, %d not in status (%d of them answered over 1 s"
                + " before)%n",
            TASKS,
            MODEL.toMillis(),
            n,
            sampler.average(),
            sim.concurrency().peak(),
            wallMs,
            wallMs / ideal,
            ideal,
            answeredBefore,
            notYet,
            overASecond);
      } finally {
        sampler.stop.set(true);
        operator.close();
      }
    }
  }

  private static Map<String, String> taskOfKey(List<RecordedRequest> requests) {
    Map<String, String> out = new HashMap<>();
    for (RecordedRequest r : requests) {
      out.put(r.idempotencyKey(), r.body().path("messages").path(0).path("content").asText());
    }
    return out;
  }

  private static AgentTask task(String ns, String name, String base) throws Exception {
    return Json.YAML.readValue(
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: "
            + name
            + ", namespace: "
            + ns
            + "}\nspec:\n  steps:\n    - name: a\n      llm: {endpoint: '"
            + base
            + "/v1', model: gpt-4o, apiKeySecretRef: {name: llm-credentials, key: api-key},"
            + " messages: [{role: user, content: "
            + name
            + "}]}\n",
        AgentTask.class);
  }

  /** Samples the calls in flight every millisecond from the first request on. */
  static final class Sampler implements Runnable {
    final Concurrency concurrency;
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong sum = new AtomicLong();
    final AtomicLong samples = new AtomicLong();
    final int total;
    volatile Instant firstAt;

    Sampler(Concurrency concurrency, int total) {
      this.concurrency = concurrency;
      this.total = total;
    }

    @Override
    public void run() {
      // Until the last answer: the status writes after it are not calls in flight.
      while (!stop.get() && concurrency.answered() < total) {
        int now = concurrency.current();
        if (firstAt == null && now > 0) {
          firstAt = Instant.now();
        }
        if (firstAt != null) {
          sum.addAndGet(now);
          samples.incrementAndGet();
        }
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    double average() {
      return samples.get() == 0 ? 0 : sum.get() / (double) samples.get();
    }
  }
}
