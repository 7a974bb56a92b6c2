package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.Condition;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.status.Conditions;
import dev.steadfast.operator.OperatorHarness;
import dev.steadfast.operator.SteadfastOperator;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tenant safety (docs/security.md) as a hostile task author meets it, on a real API server. Every
 * server here listens on loopback: the "attacker" and the "victim" are loopback listeners on ports
 * the operator was not told about, and a refusal is proven by what they did not receive. A canary
 * Secret value is looked for, in every encoding, in everything the operator wrote or logged.
 */
@RealApiServer
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityIT {
  static final String A = "sec-a";
  static final String B = "sec-b";
  static final String CANARY = "sfcanary-7d3f9a2b61c04e8e";
  static final String OPERATOR_NS = "sec-operator";

  static KubeApiServer server;
  static KubernetesClient client;
  static SteadfastOperator operator;

  /** Allowed by --egress-allow and by the bound Secret's annotation: the key's real provider. */
  static RecordingServer provider;

  /** Allowed by --egress-allow, not by any Secret: a host the task author controls. */
  static RecordingServer attacker;

  /** Loopback listeners the operator was not told about: must receive nothing. */
  static RecordingServer victim;

  static RecordingServer victim6;

  /** Always 503: opens breakers. */
  static RecordingServer failing;

  static final ByteArrayOutputStream logs = new ByteArrayOutputStream();
  static PrintStream originalErr;

  /** Echoes what it received, so that anything sent back would land in outputs. */
  static RecordingServer.Reply echo(RecordingServer.Received r) {
    String auth = r.headers();
    return new RecordingServer.Reply(
        200,
        Json.write(
            Map.of(
                "headers",
                auth,
                "b64",
                Base64.getEncoder().encodeToString(auth.getBytes(StandardCharsets.UTF_8)),
                "url",
                URLEncoder.encode(auth, StandardCharsets.UTF_8),
                "uri",
                r.uri())));
  }

  static void startOperator(List<String> egressAllow) {
    operator =
        OperatorHarness.start(
            client,
            c ->
                c.namespaces(A, B)
                    .maxConcurrentSteps(8)
                    .operatorNamespace(OPERATOR_NS)
                    .egressAllow(egressAllow)
                    .identity("security"));
  }

  static List<String> baseAllow() {
    return List.of(
        "127.0.0.1:" + provider.port(),
        "127.0.0.1:" + attacker.port(),
        "127.0.0.1:" + failing.port());
  }

  @BeforeAll
  static void start(KubeApiServer apiServer) throws Exception {
    originalErr = System.err;
    System.setErr(new PrintStream(new Tee(originalErr, logs), true, StandardCharsets.UTF_8));
    server = apiServer;
    client = apiServer.client();
    apiServer.namespace(A);
    apiServer.namespace(B);
    apiServer.namespace(OPERATOR_NS);
    apiServer.installCrd();
    provider = new RecordingServer("127.0.0.1", SecurityIT::echo);
    attacker = new RecordingServer("127.0.0.1", SecurityIT::echo);
    victim = new RecordingServer("127.0.0.1", SecurityIT::echo);
    victim6 = new RecordingServer("::1", SecurityIT::echo);
    failing = new RecordingServer("127.0.0.1", r -> new RecordingServer.Reply(503, "{}"));
    secret(A, "unbound", Map.of());
    secret(A, "bound", Map.of("steadfast.dev/allowed-hosts", "127.0.0.1:" + provider.port()));
    startOperator(baseAllow());
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    for (RecordingServer s : new RecordingServer[] {provider, attacker, victim, victim6, failing}) {
      if (s != null) {
        s.close();
      }
    }
    if (originalErr != null) {
      System.setErr(originalErr);
    }
  }

  static void secret(String ns, String name, Map<String, String> annotations) {
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withAnnotations(annotations)
                .endMetadata()
                .addToStringData("token", CANARY)
                .build())
        .create();
  }

  static void apply(String ns, String name, String spec) throws Exception {
    client
        .resource(
            Json.YAML.readValue(
                "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: "
                    + name
                    + ", namespace: "
                    + ns
                    + "}\nspec:\n"
                    + spec,
                AgentTask.class))
        .create();
  }

  static AgentTask get(String ns, String name) {
    return client.resources(AgentTask.class).inNamespace(ns).withName(name).get();
  }

  static Condition condition(String ns, String name, String type) {
    AgentTask t = get(ns, name);
    return t == null || t.getStatus() == null
        ? null
        : Conditions.find(t.getStatus().conditions, type);
  }

  /** Waits until the task is Stalled and returns the Stalled condition. */
  static Condition stalled(String ns, String name) {
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () -> {
              Condition c = condition(ns, name, "Stalled");
              return c != null && "True".equals(c.status);
            });
    return condition(ns, name, "Stalled");
  }

  static void succeeded(String ns, String name) {
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () -> {
              AgentTask t = get(ns, name);
              return t != null
                  && t.getStatus() != null
                  && t.getStatus().phase == TaskPhase.Succeeded;
            });
  }

  static String httpStep(String url, String secret) {
    return "  steps:\n    - name: call\n      http:\n        url: '"
        + url
        + "'\n"
        + (secret == null ? "" : "        auth: {secretRef: {name: " + secret + ", key: token}}\n");
  }

  static long received(RecordingServer s, String marker) {
    return s.received().stream().filter(r -> r.uri().contains(marker)).count();
  }

  @Test
  @Order(1)
  void anUnannotatedSecretIsNeverSentAndTheAnnotationRetriesTheTask() throws Exception {
    String url = "http://127.0.0.1:" + provider.port() + "/echo?task=unannotated";
    apply(A, "unannotated", httpStep(url, "unbound"));
    Condition c = stalled(A, "unannotated");
    assertThat(c.reason).isEqualTo("SecretNotAllowed");
    assertThat(c.message).contains("steadfast.dev/allowed-hosts").contains("unbound");
    assertThat(received(provider, "task=unannotated")).isZero();

    client
        .secrets()
        .inNamespace(A)
        .withName("unbound")
        .edit(
            s -> {
              s.getMetadata()
                  .setAnnotations(
                      Map.of("steadfast.dev/allowed-hosts", "127.0.0.1:" + provider.port()));
              return s;
            });
    succeeded(A, "unannotated");
    assertThat(
            provider.received().stream()
                .filter(r -> r.uri().contains("task=unannotated"))
                .map(RecordingServer.Received::headers))
        .singleElement()
        .asString()
        .contains(CANARY);
  }

  @Test
  @Order(2)
  void aBoundSecretPointedAtAnotherHostIsRefusedBeforeAnyByte() throws Exception {
    String url = "http://127.0.0.1:" + attacker.port() + "/echo?task=exfiltrate";
    apply(A, "exfiltrate", httpStep(url, "bound"));
    Condition c = stalled(A, "exfiltrate");
    assertThat(c.reason).isEqualTo("SecretNotAllowed");
    assertThat(c.message)
        .contains("steadfast.dev/allowed-hosts")
        .contains("127.0.0.1:" + attacker.port());
    assertThat(attacker.received()).isEmpty();
  }

  @Test
  @Order(3)
  void theAllowedHostGetsTheKeyAndItsEchoIsMasked() throws Exception {
    String url = "http://127.0.0.1:" + provider.port() + "/echo?task=allowed";
    apply(A, "allowed", httpStep(url, "bound"));
    succeeded(A, "allowed");
    assertThat(
            provider.received().stream()
                .filter(r -> r.uri().contains("task=allowed"))
                .map(RecordingServer.Received::headers))
        .singleElement()
        .asString()
        .contains("Bearer " + CANARY);
    String output = Json.write(get(A, "allowed").getStatus());
    assertThat(output).contains("headers"); // the echo is there, the key is not
    assertNoCanary("status of allowed", output);
  }

  @Test
  @Order(4)
  void loopbackIsClosedHoweverItIsSpelledUntilAllowed() throws Exception {
    Map<String, String> targets =
        Map.of(
            "loop-ip", "http://127.0.0.1:" + victim.port() + "/echo?task=loop-ip",
            "loop-name", "http://localhost:" + victim.port() + "/echo?task=loop-name",
            "loop-v6", "http://[::1]:" + victim6.port() + "/echo?task=loop-v6",
            "loop-decimal", "http://2130706433:" + victim.port() + "/echo?task=loop-decimal");
    // What a platform team gets without configuring anything: an empty --egress-allow.
    operator.close();
    startOperator(List.of());
    for (var e : targets.entrySet()) {
      apply(A, e.getKey(), httpStep(e.getValue(), null));
    }
    for (String name : targets.keySet()) {
      Condition c = stalled(A, name);
      assertThat(c.reason).as(name).isEqualTo("EgressDenied");
    }
    assertThat(victim.received()).isEmpty();
    assertThat(victim6.received()).isEmpty();

    // Allowed by the platform team: the same tasks, retried, reach the listeners.
    operator.close();
    List<String> allow = new ArrayList<>(baseAllow());
    allow.addAll(List.of("127.0.0.0/8", "::1/128", "localhost"));
    startOperator(allow);
    for (String name : targets.keySet()) {
      client
          .resources(AgentTask.class)
          .inNamespace(A)
          .withName(name)
          .edit(
              t -> {
                Map<String, String> annotations = new java.util.HashMap<>();
                if (t.getMetadata().getAnnotations() != null) {
                  annotations.putAll(t.getMetadata().getAnnotations());
                }
                annotations.put("steadfast.dev/retry", name);
                t.getMetadata().setAnnotations(annotations);
                return t;
              });
    }
    for (String name : targets.keySet()) {
      succeeded(A, name);
    }
    assertThat(received(victim, "task=loop-ip")).isEqualTo(1);
    assertThat(received(victim, "task=loop-name")).isEqualTo(1);
    assertThat(received(victim6, "task=loop-v6")).isEqualTo(1);
    assertThat(received(victim, "task=loop-decimal")).isEqualTo(1);
    operator.close();
    startOperator(baseAllow());
  }

  @Test
  @Order(5)
  void jobPodsAreRestrictedAndForeignServiceAccountsRefused() throws Exception {
    apply(
        A,
        "job-sa",
        "  steps:\n    - name: run\n      job: {image: 'busybox:1.36', command: [true], serviceAccountName: builder}\n");
    assertThat(stalled(A, "job-sa").reason).isEqualTo("ServiceAccountNotAllowed");
    assertThat(jobsOf("job-sa")).isEmpty();

    apply(
        A,
        "job-secret",
        "  steps:\n    - name: run\n      job:\n        image: 'busybox:1.36'\n        command: [true]\n"
            + "        env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: bound, key: token}}}]\n");
    Condition c = stalled(A, "job-secret");
    assertThat(c.reason).isEqualTo("SecretNotAllowed");
    assertThat(c.message).contains("steadfast.dev/allowed-in-jobs");
    assertThat(jobsOf("job-secret")).isEmpty();

    apply(
        A,
        "job-ok",
        "  steps:\n    - name: run\n      timeout: 60s\n      job: {image: 'busybox:1.36', command: [true]}\n");
    await().atMost(Duration.ofSeconds(90)).until(() -> !jobsOf("job-ok").isEmpty());
    var pod = jobsOf("job-ok").get(0).getSpec().getTemplate().getSpec();
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getServiceAccountName()).isNull();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    var container = pod.getContainers().get(0).getSecurityContext();
    assertThat(container.getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getCapabilities().getDrop()).containsExactly("ALL");
    client.resources(AgentTask.class).inNamespace(A).withName("job-ok").delete();
  }

  static List<Job> jobsOf(String task) {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(A)
        .withLabel("steadfast.dev/task", task)
        .list()
        .getItems();
  }

  @Test
  @Order(6)
  void aBreakerOpenedByAnotherNamespaceWithTheSameKeyLeavesThisOneRunning() throws Exception {
    String breaker =
        "  policy:\n    retry: {maxAttempts: 10, backoff: {initialDelay: 100ms, maxDelay: 200ms}}\n"
            + "    circuitBreaker: {key: shared, minimumCalls: 2, slidingWindowSize: 4,"
            + " failureRateThreshold: 50, openDuration: 10m}\n";
    apply(
        B,
        "opener",
        breaker + httpStep("http://127.0.0.1:" + failing.port() + "/fail?task=opener", null));
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () -> {
              Condition c = condition(B, "opener", "Reconciling");
              return c != null && "CircuitOpen".equals(c.reason);
            });
    apply(
        A,
        "sharer",
        breaker + httpStep("http://127.0.0.1:" + provider.port() + "/echo?task=sharer", null));
    succeeded(A, "sharer");
    assertThat(received(provider, "task=sharer")).isEqualTo(1);
    assertThat(condition(B, "opener", "Reconciling").reason).isEqualTo("CircuitOpen");
  }

  @Test
  @Order(7)
  void aForeignConfigMapNamedLikeAnOutputKeepsItsContent() throws Exception {
    client
        .configMaps()
        .inNamespace(A)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("squat-call-output")
                .endMetadata()
                .addToData("owner", "someone else")
                .build())
        .create();
    apply(
        A,
        "squat",
        httpStep(
            "http://127.0.0.1:" + provider.port() + "/echo?task=squat&pad=" + "x".repeat(6000),
            null));
    Condition c = stalled(A, "squat");
    assertThat(c.reason).isEqualTo("OutputConflict");
    assertThat(c.message).contains("squat-call-output");
    var cm = client.configMaps().inNamespace(A).withName("squat-call-output").get();
    assertThat(cm.getData()).containsExactly(Map.entry("owner", "someone else"));
    assertThat(cm.getMetadata().getOwnerReferences()).isEmpty();
  }

  @Test
  @Order(100)
  void theCanaryIsNowhere() {
    for (String ns : List.of(A, B, OPERATOR_NS)) {
      for (AgentTask t : client.resources(AgentTask.class).inNamespace(ns).list().getItems()) {
        assertNoCanary("status of " + t.getMetadata().getName(), Json.write(t.getStatus()));
      }
      for (var e : client.v1().events().inNamespace(ns).list().getItems()) {
        assertNoCanary("event " + e.getMetadata().getName(), Json.write(e));
      }
      for (var cm : client.configMaps().inNamespace(ns).list().getItems()) {
        assertNoCanary("ConfigMap " + cm.getMetadata().getName(), Json.write(cm));
      }
    }
    assertNoCanary("the operator's log", logs.toString(StandardCharsets.UTF_8));
    for (RecordingServer s : new RecordingServer[] {attacker, victim, victim6, failing}) {
      for (var r : s.received()) {
        assertThat(r.contains(CANARY))
            .as("a request to a host outside the Secret's list")
            .isFalse();
      }
    }
  }

  static void assertNoCanary(String where, String text) {
    String b64 = Base64.getEncoder().encodeToString(CANARY.getBytes(StandardCharsets.UTF_8));
    assertThat(text)
        .as(where)
        .doesNotContain(CANARY)
        .doesNotContain(b64.substring(0, b64.length() - 2))
        .doesNotContain(CANARY.substring(2, CANARY.length() - 2));
  }

  /** Writes to two streams: the console stays readable while the test keeps a copy. */
  static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
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
