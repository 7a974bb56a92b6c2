package dev.steadfast.e2e;

import static dev.steadfast.e2e.OperatorProcess.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two `steadfast operator --leader-election` processes against a real API server, as two replicas
 * of the chart's Deployment: one holds the Lease and runs the steps, and when it is stopped the way
 * Kubernetes stops a pod (SIGTERM) it exits by itself, releasing the Lease, and the other takes
 * over without waiting for the lease to expire.
 */
@RealApiServer
class LeaderElectionIT {
  static final String NS = "leader-e2e";
  static final String LEASE = "steadfast-operator";

  static KubeApiServer server;
  static KubernetesClient client;
  static LlmSimulator sim;
  static final Map<String, Replica> replicas = new LinkedHashMap<>();

  /** One operator process; its output goes to a file, printed when the test ends. */
  record Replica(String name, Process process, int metricsPort, Path log) {
    String metrics() {
      try {
        return HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
      } catch (IOException e) {
        return "";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "";
      }
    }
  }

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
                // docs/security.md: bound to the simulator's hosts on loopback.
                .addToAnnotations("steadfast.dev/allowed-hosts", "127.0.0.1,localhost")
                .endMetadata()
                .addToStringData("api-key", "sk-leader")
                .build())
        .serverSideApply();
    sim = LlmSimulator.builder().port(0).build().start();
    for (String name : List.of("replica-a", "replica-b")) {
      replicas.put(name, launch(name));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (Replica r : replicas.values()) {
      if (r.process().isAlive()) {
        r.process().destroy();
        if (!r.process().waitFor(60, TimeUnit.SECONDS)) {
          r.process().destroyForcibly();
        }
      }
      System.out.println("---- " + r.name() + " output (tail)");
      List<String> lines = Files.readAllLines(r.log());
      lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.out::println);
    }
    if (sim != null) {
      sim.stop();
    }
  }

  static Replica launch(String name) throws IOException {
    int metrics = freePort();
    int health = freePort();
    Path log = Files.createTempFile("steadfast-" + name, ".log");
    Process process =
        OperatorProcess.start(
            server,
            NS,
            name,
            log,
            List.of(),
            List.of(
                "--leader-election",
                "--namespaces",
                NS,
                "--metrics-port",
                String.valueOf(metrics),
                "--health-port",
                String.valueOf(health)));
    return new Replica(name, process, metrics, log);
  }

  static String holder() {
    Lease lease = client.leases().inNamespace(NS).withName(LEASE).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  static void runTask(String name) throws Exception {
    client
        .resource(
            Json.YAML.readValue(
                """
                apiVersion: steadfast.dev/v1alpha1
                kind: AgentTask
                metadata: {name: NAME, namespace: NS}
                spec:
                  steps:
                    - name: ask
                      llm:
                        endpoint: SIM/v1
                        model: gpt-4o
                        apiKeySecretRef: {name: llm-credentials, key: api-key}
                        messages: [{role: user, content: NAME}]
                """
                    .replace("NAME", name)
                    .replace("NS", NS)
                    .replace("SIM", sim.baseUrl()),
                AgentTask.class))
        .create();
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () -> {
              AgentTask t = client.resources(AgentTask.class).inNamespace(NS).withName(name).get();
              return t.getStatus() != null && t.getStatus().phase == TaskPhase.Succeeded;
            });
  }

  /** The attempts that succeeded in one replica, from its /metrics; 0 when it ran none. */
  static int succeededAttempts(Replica r) {
    return r.metrics()
        .lines()
        .filter(l -> l.startsWith("steadfast_attempts_total{") && l.contains("tier=\"Succeeded\""))
        .mapToInt(l -> (int) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void oneReplicaLeadsAndTheOtherTakesOverAfterSigterm() throws Exception {
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> replicas.containsKey(String.valueOf(holder())));
    Replica leader = replicas.get(holder());
    Replica follower =
        replicas.values().stream().filter(r -> r != leader).findFirst().orElseThrow();
    System.out.println("leader: " + leader.name() + ", follower: " + follower.name());

    runTask("before-failover");
    await().atMost(Duration.ofSeconds(30)).until(() -> succeededAttempts(leader) == 1);
    assertThat(follower.process().isAlive()).isTrue();
    assertThat(succeededAttempts(follower)).as("the follower runs nothing").isZero();
    assertThat(holder()).isEqualTo(leader.name());

    Lease held = client.leases().inNamespace(NS).withName(LEASE).get();
    Instant heldUntil =
        held.getSpec()
            .getRenewTime()
            .toInstant()
            .plusSeconds(held.getSpec().getLeaseDurationSeconds());
    long sigterm = System.nanoTime();
    leader.process().destroy(); // SIGTERM, as the kubelet stops a container
    boolean exited = leader.process().waitFor(60, TimeUnit.SECONDS);
    long exitMs = (System.nanoTime() - sigterm) / 1_000_000;
    assertThat(exited).as("the leader exits by itself after SIGTERM (no SIGKILL)").isTrue();
    int exitCode = leader.process().exitValue();
    System.out.printf("SIGTERM to exit: %d ms, exit code %d%n", exitMs, exitCode);
    // 143 = 128 + SIGTERM: the JVM ran its shutdown hooks and exited on the signal.
    assertThat(exitCode).isIn(0, 143);

    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> follower.name().equals(holder()));
    long takeoverMs = (System.nanoTime() - sigterm) / 1_000_000;
    Lease lease = client.leases().inNamespace(NS).withName(LEASE).get();
    System.out.printf(
        "SIGTERM to takeover by %s: %d ms (leaseDurationSeconds %d, transitions %d)%n",
        follower.name(),
        takeoverMs,
        lease.getSpec().getLeaseDurationSeconds(),
        lease.getSpec().getLeaseTransitions());

    // Taken before the old holder's lease (as last seen) ran out: the leader gave it up on its way
    // out rather than leaving it to expire.
    assertThat(lease.getSpec().getAcquireTime().toInstant())
        .as("acquired by %s before %s's lease expired", follower.name(), leader.name())
        .isBefore(heldUntil);

    runTask("after-failover");
    await().atMost(Duration.ofSeconds(30)).until(() -> succeededAttempts(follower) == 1);
    assertThat(
            client
                .resources(AgentTask.class)
                .inNamespace(NS)
                .withName("before-failover")
                .get()
                .getStatus()
                .phase)
        .isEqualTo(TaskPhase.Succeeded);
  }
}
