package dev.steadfast.e2e;

import static dev.steadfast.e2e.OperatorProcess.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.Json;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.IdempotencyAudit;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator half of the kill suite (issue 12): `steadfast operator` as its own JVM, SIGKILLed
 * {@link #KILLS} times at random moments while at least {@link #IN_FLIGHT} tasks are unfinished
 * (tasks are topped up before each start, so the count never depends on machine speed), then left
 * to finish. The simulator's request log proves that no finished step or forEach item ran again
 * (one successful Idempotency-Key per unit), that attempts cut off by a kill were re-sent with
 * their original key, and that every task reached Succeeded.
 */
@RealApiServer
class OperatorKillSuiteIT {
  static final String NS = "kill-e2e";
  static final int KILLS = Integer.getInteger("kills.operator", 20);
  static final int IN_FLIGHT = 50;
  static final int ITEMS = 3;

  static KubeApiServer server;
  static KubernetesClient client;
  static LlmSimulator sim;
  static Process operator;
  static int healthPort;
  static Path log;

  @BeforeAll
  static void start(KubeApiServer apiServer) throws Exception {
    server = apiServer;
    client = apiServer.client();
    apiServer.namespace(NS);
    apiServer.installCrd();
    client
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("llm-credentials")
                .addToAnnotations("steadfast.dev/allowed-hosts", "127.0.0.1,localhost")
                .endMetadata()
                .addToStringData("api-key", "sk-kill")
                .build())
        .serverSideApply();
    // Slow calls keep many attempts in flight at each kill; some 500s add retries to the mix.
    sim =
        LlmSimulator.builder()
            .port(0)
            .seed(20261130)
            .latency(Duration.ofMillis(700))
            .faults(FaultPlan.parse("500:0.1"))
            .build()
            .start();
    log = Files.createTempFile("steadfast-kill-operator", ".log");
  }

  @AfterAll
  static void stop() throws Exception {
    if (operator != null && operator.isAlive()) {
      operator.destroyForcibly().waitFor();
    }
    if (log != null) {
      List<String> lines = Files.readAllLines(log);
      System.out.println("---- operator output (tail)");
      lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(System.out::println);
    }
    if (sim != null) {
      sim.stop();
    }
  }

  static Process launch() throws IOException {
    healthPort = freePort();
    return OperatorProcess.start(
        server,
        NS,
        null,
        log,
        List.of(),
        List.of(
            "--namespaces",
            NS,
            "--metrics-port",
            String.valueOf(freePort()),
            "--health-port",
            String.valueOf(healthPort)));
  }

  static int readyz() {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/readyz"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  static void create(String name) throws Exception {
    client
        .resource(
            Json.YAML.readValue(
                """
                apiVersion: steadfast.dev/v1alpha1
                kind: AgentTask
                metadata: {name: NAME, namespace: NS}
                spec:
                  policy:
                    timeout: 10s
                    retry:
                      maxAttempts: 0
                      backoff: {initialDelay: 100ms, maxDelay: 500ms}
                    loopDetection: {maxIdenticalFailures: 50}
                  maxTotalAttempts: 500
                  steps:
                    - name: fetch
                      http: {url: 'SIM/items?count=ITEMS', output: {select: 'response.body.items'}}
                    - name: each
                      forEach: {items: 'steps.fetch.output', concurrency: 2}
                      llm:
                        endpoint: SIM/v1
                        model: worker
                        apiKeySecretRef: {name: llm-credentials, key: api-key}
                        messages: [{role: user, content: 'Describe {{ item.title }}'}]
                    - name: summary
                      llm:
                        endpoint: SIM/v1
                        model: writer
                        apiKeySecretRef: {name: llm-credentials, key: api-key}
                        messages: [{role: user, content: 'Summarise {{ steps.each.output }}'}]
                """
                    .replace("NAME", name)
                    .replace("NS", NS)
                    .replace("ITEMS", String.valueOf(ITEMS))
                    .replace("SIM", sim.baseUrl()),
                AgentTask.class))
        .create();
  }

  static List<AgentTask> tasks() {
    return client.resources(AgentTask.class).inNamespace(NS).list().getItems();
  }

  static boolean done(AgentTask t) {
    return t.getStatus() != null
        && (t.getStatus().phase == TaskPhase.Succeeded || t.getStatus().phase == TaskPhase.Failed);
  }

  static Map<String, Long> phases() {
    Map<String, Long> count = new java.util.TreeMap<>();
    for (AgentTask t : tasks()) {
      count.merge(
          t.getStatus() == null ? "none" : String.valueOf(t.getStatus().phase), 1L, Long::sum);
    }
    return count;
  }

  @Test
  void twentyOperatorSigkillsUnderLoadLoseAndRepeatNothing() throws Exception {
    long start = System.nanoTime();
    Random random = new Random(20261130);
    int created = 0;
    int kills = 0;
    int minInFlightAtKill = Integer.MAX_VALUE;
    while (kills < KILLS) {
      long unfinished = tasks().stream().filter(t -> !done(t)).count();
      for (long i = unfinished; i < IN_FLIGHT; i++) {
        create("task-" + created++);
      }
      operator = launch();
      await().atMost(Duration.ofSeconds(120)).until(() -> readyz() == 200);
      // a random moment after start-up: mid-reconcile, mid-request, mid-checkpoint
      Thread.sleep(500 + random.nextInt(3500));
      int inFlight = (int) tasks().stream().filter(t -> !done(t)).count();
      operator.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL on Linux
      kills++;
      System.out.println(
          "kill " + kills + ": phases " + phases() + ", " + sim.requests().size() + " requests");
      minInFlightAtKill = Math.min(minInFlightAtKill, inFlight);
    }
    operator = launch();
    int total = created;
    try {
      await()
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> tasks().stream().filter(OperatorKillSuiteIT::done).count() == total);
    } finally {
      System.out.println(
          "kill suite (operator): phases " + phases() + ", " + sim.requests().size() + " requests");
      // What a task left unfinished holds, so a stall can be diagnosed from the report alone.
      tasks().stream()
          .filter(t -> !done(t))
          .forEach(
              t ->
                  System.out.println(
                      "unfinished "
                          + t.getMetadata().getName()
                          + ": "
                          + Json.write(t.getStatus())));
    }

    IdempotencyAudit audit = new IdempotencyAudit(sim.requests());
    audit.reRun.forEach(u -> System.out.println("re-run: " + u));
    List<AgentTask> all = tasks();
    long succeeded = all.stream().filter(t -> t.getStatus().phase == TaskPhase.Succeeded).count();
    System.out.printf(
        "kill suite (operator): %d SIGKILL-restarts, at least %d tasks unfinished at each kill,"
            + " %d tasks, %d units, %d finished units re-run, %d requests re-sent with their"
            + " original Idempotency-Key, %d of %d tasks Succeeded (%d lost), %.1f s%n",
        kills,
        minInFlightAtKill,
        total,
        audit.succeeded.size(),
        audit.reRun.size(),
        audit.resent,
        succeeded,
        total,
        total - succeeded,
        (System.nanoTime() - start) / 1e9);

    assertThat(kills).isGreaterThanOrEqualTo(KILLS);
    assertThat(all).hasSize(total);
    assertThat(succeeded).isEqualTo(total);
    assertThat(audit.succeeded).hasSize(total * (1 + ITEMS + 1));
    assertThat(audit.reRun).as("finished units run again").isEmpty();
  }
}
