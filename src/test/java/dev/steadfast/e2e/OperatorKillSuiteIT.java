package dev.steadfast.e2e;

import static dev.steadfast.e2e.OperatorProcess.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
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
import java.util.ArrayList;
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
 * (tasks are topped up while the operator runs, right before each kill, and counted after it, so
 * the count never depends on machine speed), then left to finish. The simulator's request log
 * proves that no finished step or forEach item ran again (one successful Idempotency-Key per unit),
 * that attempts cut off by a kill were re-sent with their original key, and that every task reached
 * Succeeded.
 */
@RealApiServer
class OperatorKillSuiteIT {
  static final String NS = "kill-e2e";
  static final int KILLS = Integer.getInteger("kills.operator", 20);
  static final int IN_FLIGHT = 50;

  /** Tasks created above {@link #IN_FLIGHT} right before a kill, for those that finish first. */
  static final int MARGIN = 5;

  static final int MAX_TASKS = 1500;

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
    // Slow calls keep many attempts in flight at each kill, and a task that has not begun its last
    // step a second or more from its end (see farFromDone); some 500s add retries to the mix.
    sim =
        LlmSimulator.builder()
            .port(0)
            .seed(20261130)
            .latency(Duration.ofMillis(2000))
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

  static void create(String name) {
    AgentTask task;
    try {
      task = Json.YAML.readValue(yaml(name), AgentTask.class);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    client.resource(task).create();
  }

  static String yaml(String name) {
    return """
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
        .replace("SIM", sim.baseUrl());
  }

  static List<AgentTask> tasks() {
    return client.resources(AgentTask.class).inNamespace(NS).list().getItems();
  }

  static boolean done(AgentTask t) {
    return t.getStatus() != null
        && (t.getStatus().phase == TaskPhase.Succeeded || t.getStatus().phase == TaskPhase.Failed);
  }

  /** Unfinished and not yet in its last step, so at least one slow call from the end. */
  static boolean farFromDone(AgentTask t) {
    if (done(t)) {
      return false;
    }
    if (t.getStatus() == null || t.getStatus().steps == null) {
      return true;
    }
    return t.getStatus().steps.stream()
        .noneMatch(s -> "summary".equals(s.name) && s.phase != StepPhase.Pending);
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
      int sentBefore = sim.requests().size();
      operator = launch();
      await().atMost(Duration.ofSeconds(120)).until(() -> readyz() == 200);
      // The operator is working again (a kill before its first request tests only start-up), then
      // a random moment: mid-reconcile, mid-request, mid-checkpoint.
      await().atMost(Duration.ofSeconds(120)).until(() -> sim.requests().size() > sentBefore);
      Thread.sleep(random.nextInt(3000));
      // Top up while the operator runs. Tasks run in lockstep (all fit in the operator's
      // concurrency), so a whole wave in its last step can finish between a count and the kill:
      // only tasks that have not begun their last step (a full slow call away from the end) count
      // towards the top-up, and the count is taken again after creating, so the kill follows the
      // last count by one list call however slowly the creates went.
      List<String> names = new ArrayList<>();
      long window;
      while (true) {
        long count = System.nanoTime();
        long far = tasks().stream().filter(OperatorKillSuiteIT::farFromDone).count();
        if (far >= IN_FLIGHT + MARGIN) {
          operator.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL on Linux
          window = (System.nanoTime() - count) / 1_000_000;
          break;
        }
        // A machine too slow to list the tasks within a task's lifetime would top up for ever.
        assertThat(created)
            .as("tasks created: the top-up cannot keep %d in flight on this machine", IN_FLIGHT)
            .isLessThan(MAX_TASKS);
        List<String> more = new ArrayList<>();
        for (long i = far; i < IN_FLIGHT + MARGIN; i++) {
          more.add("task-" + created++);
        }
        more.parallelStream().forEach(OperatorKillSuiteIT::create);
        names.addAll(more);
      }
      // Counted after the kill: with the operator dead no status changes, so this is the count the
      // kill met.
      int inFlight = (int) tasks().stream().filter(t -> !done(t)).count();
      kills++;
      System.out.println(
          "kill "
              + kills
              + ": "
              + inFlight
              + " unfinished ("
              + names.size()
              + " created, last count "
              + window
              + " ms before the kill), phases "
              + phases()
              + ", "
              + sim.requests().size()
              + " requests");
      minInFlightAtKill = Math.min(minInFlightAtKill, inFlight);
    }
    operator = launch();
    int total = created;
    long drain = System.nanoTime();
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

    long drainEnd = System.nanoTime();
    IdempotencyAudit audit = new IdempotencyAudit(sim.requests());
    audit.reRun.forEach(u -> System.out.println("re-run: " + u));
    List<AgentTask> all = tasks();
    long succeeded = all.stream().filter(t -> t.getStatus().phase == TaskPhase.Succeeded).count();
    System.out.printf(
        "kill suite (operator): %d SIGKILL-restarts, at least %d tasks unfinished at each kill,"
            + " %d tasks, %d units, %d finished units re-run, %d requests re-sent with their"
            + " original Idempotency-Key, %d of %d tasks Succeeded (%d lost), %.1f s (%.1f s of it draining after the last kill)%n",
        kills,
        minInFlightAtKill,
        total,
        audit.succeeded.size(),
        audit.reRun.size(),
        audit.resent,
        succeeded,
        total,
        total - succeeded,
        (System.nanoTime() - start) / 1e9,
        (drainEnd - drain) / 1e9);

    assertThat(kills).isGreaterThanOrEqualTo(KILLS);
    assertThat(minInFlightAtKill)
        .as("tasks unfinished at the emptiest kill")
        .isGreaterThanOrEqualTo(IN_FLIGHT);
    assertThat(all).hasSize(total);
    assertThat(succeeded).isEqualTo(total);
    assertThat(audit.succeeded).hasSize(total * (1 + ITEMS + 1));
    assertThat(audit.reRun).as("finished units run again").isEmpty();
  }
}
