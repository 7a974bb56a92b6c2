package dev.steadfast.operator;

import static dev.steadfast.executors.CanaryEcho.CANARY;
import static dev.steadfast.executors.CanaryEcho.assertNoCanary;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.engine.format.Json;
import dev.steadfast.executors.CanaryEcho;
import dev.steadfast.operator.jobs.FakeKubelet;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The operator against a server that echoes the Secret it is sent in every spelling (CanaryEcho),
 * and a Job that prints its Secret in its termination message: the value is in no status, output
 * ConfigMap, event or log line, successful outputs included; and masks are per task.
 */
@EnableKubernetesMockClient(crud = true)
class RedactionIT {
  static KubernetesClient client;
  LlmSimulator sim;
  CanaryEcho echo;
  OperatorHarness h;

  void start() {
    echo = CanaryEcho.start();
    sim = LlmSimulator.builder().port(0).build().start();
    h = new OperatorHarness(client, sim);
    h.startOperator(false, List.of(), List.of("127.0.0.1"));
  }

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
    if (sim != null) {
      sim.stop();
    }
    if (echo != null) {
      echo.close();
    }
    client.resources(AgentTask.class).inAnyNamespace().delete();
  }

  /** A Secret usable by http steps towards the echo server and by job steps. */
  void secret(String namespace, String name, String value) {
    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withAnnotations(
                    Map.of(
                        "steadfast.dev/allowed-hosts",
                        "127.0.0.1,127.0.0.1:" + echo.port(),
                        "steadfast.dev/allowed-in-jobs",
                        "true"))
                .endMetadata()
                .addToStringData("token", value)
                .build())
        .createOr(NonDeletingOperation::update);
  }

  AgentTask apply(String namespace, String name, String steps) {
    String yaml =
        ("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: "
                + name
                + ", namespace: "
                + namespace
                + "}\nspec:\n  policy: {timeout: 30s, retry: {maxAttempts: 2, backoff: {initialDelay: 100ms, maxDelay: 200ms}}}\n"
                + "  steps:\n"
                + steps)
            .replace("ECHO", echo.url())
            .replace("AUTH", ", auth: {secretRef: {name: api, key: token}}");
    try {
      return client.resource(Json.YAML.readValue(yaml, AgentTask.class)).create();
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  AgentTask get(String namespace, String name) {
    return client.resources(AgentTask.class).inNamespace(namespace).withName(name).get();
  }

  String phase(String namespace, String name) {
    AgentTask t = get(namespace, name);
    return t == null || t.getStatus() == null || t.getStatus().phase == null
        ? null
        : t.getStatus().phase.name();
  }

  @Test
  void anEchoedSecretIsInNoStatusConfigMapEventOrLogLine() {
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    System.setErr(new PrintStream(new TeeStream(logs, stderr), true, StandardCharsets.UTF_8));
    try {
      start();
      secret("default", "api", CANARY);
      apply(
          "default",
          "leak",
          "    - name: fetch\n      http: {url: 'ECHO/echo'AUTH}\n"
              + "    - name: big\n      http: {url: 'ECHO/echo?pad=6000'AUTH}\n"
              + "    - name: text\n      http: {url: 'ECHO/text', output: {format: text}AUTH}\n"
              + "    - name: build\n      job: {image: busybox, command: [sh, -c, 'echo'],"
              + " env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: api, key: token}}}]}\n"
              + "    - name: fails\n      http: {url: 'ECHO/fail'AUTH}\n");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> !client.batch().v1().jobs().inNamespace("default").list().getItems().isEmpty());
      String job =
          client
              .batch()
              .v1()
              .jobs()
              .inNamespace("default")
              .list()
              .getItems()
              .get(0)
              .getMetadata()
              .getName();
      FakeKubelet kubelet = new FakeKubelet(client, "default");
      kubelet.pod(
          job,
          FakeKubelet.terminated(
              "Succeeded", 0, "Completed", "{\"env\": " + Json.write(CANARY) + "}\n"));
      kubelet.finish(job, "Complete", null);
      await().atMost(Duration.ofSeconds(60)).until(() -> "Failed".equals(phase("default", "leak")));
      await().atMost(Duration.ofSeconds(10)).until(() -> h.eventReasons("leak").contains("Failed"));

      // The secret was sent on every http attempt: it was there to leak.
      assertThat(echo.tokens()).hasSize(5).containsOnly(CANARY);
      AgentTaskStatus status = get("default", "leak").getStatus();
      assertThat(status.steps.get(0).output.get("raw").asText()).isEqualTo("[REDACTED]");
      assertThat(status.steps.get(1).outputRef.configMap).isEqualTo("leak-big-output");
      assertThat(status.steps.get(3).output.get("env").asText()).isEqualTo("[REDACTED]");
      assertThat(status.steps.get(4).lastError.message).contains("HTTP 500", "[REDACTED]");
      assertNoCanary("status", Json.write(status));
      List<ConfigMap> configMaps = client.configMaps().inNamespace("default").list().getItems();
      assertThat(configMaps)
          .extracting(cm -> cm.getMetadata().getName())
          .contains("leak-big-output");
      for (ConfigMap cm : configMaps) {
        assertNoCanary("ConfigMap " + cm.getMetadata().getName(), Json.write(cm.getData()));
      }
      assertThat(
              client
                  .configMaps()
                  .inNamespace("default")
                  .withName("leak-big-output")
                  .get()
                  .getData()
                  .toString())
          .contains("[REDACTED]");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(h.eventReasons("leak")).contains("StepRetrying", "StepSucceeded"));
      List<Event> events = h.events("leak");
      assertNoCanary("events", Json.write(events));
    } finally {
      System.setErr(stderr);
    }
    assertThat(logs.size()).isPositive();
    assertNoCanary("logs", logs.toString(StandardCharsets.UTF_8));
  }

  /**
   * A task that succeeds quickly says so in one Event whose message takes in its steps' successes
   * (docs/events.md): what is folded in went through the same masking, and the echoed value is in
   * none of its events.
   */
  @Test
  void aSucceededThatTakesInItsStepsCarriesNoSecret() {
    start();
    secret("default", "api", CANARY);
    apply(
        "default",
        "kept",
        "    - name: fetch\n      http: {url: 'ECHO/echo'AUTH}\n"
            + "    - name: text\n      http: {url: 'ECHO/text', output: {format: text}AUTH}\n");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> "Succeeded".equals(phase("default", "kept")));
    assertThat(echo.tokens()).hasSize(2).containsOnly(CANARY);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(h.events("kept"))
                    .filteredOn(e -> e.getReason().matches("StepSucceeded|Succeeded"))
                    .extracting(Event::getMessage)
                    .anySatisfy(m -> assertThat(m).startsWith("all 2 steps finished"))
                    .anySatisfy(m -> assertThat(m).containsPattern("(^|; )fetch: succeeded"))
                    .anySatisfy(m -> assertThat(m).containsPattern("(^|; )text: succeeded")));
    assertNoCanary("events", Json.write(h.events("kept")));
  }

  /**
   * Task A (team-a) has resolved its Secret and is still running; task B (team-b) gets the same
   * value back from a server without ever having resolved it: B's output is not masked, so B's
   * author cannot use masking to test guesses of A's values. A's outputs stay masked.
   */
  @Test
  void masksArePerTaskSoOneNamespaceCannotProbeAnothersSecrets() {
    start();
    secret("team-a", "api", CANARY);
    echo.staticBody("{\"said\": " + Json.write(CANARY) + "}");
    apply(
        "team-a",
        "a",
        "    - name: fetch\n      http: {url: 'ECHO/echo'AUTH}\n"
            + "    - name: wait\n      http: {url: 'ECHO/hold'AUTH}\n");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              AgentTask a = get("team-a", "a");
              return a != null && a.getStatus() != null && "wait".equals(a.getStatus().currentStep);
            });
    apply("team-b", "b", "    - name: ask\n      http: {url: 'ECHO/static'}\n");
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(phase("team-b", "b")));

    assertThat(get("team-b", "b").getStatus().steps.get(0).output.get("said").asText())
        .isEqualTo(CANARY);
    assertThat(phase("team-a", "a")).isEqualTo("Running");
    echo.release();
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(phase("team-a", "a")));
    AgentTaskStatus a = get("team-a", "a").getStatus();
    assertThat(a.steps.get(0).output.get("raw").asText()).isEqualTo("[REDACTED]");
    assertNoCanary("task A's status", Json.write(a));
  }

  /** Writes to two streams: the captured logs, and the console as usual. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
