package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.status.Conditions;
import dev.steadfast.operator.secrets.SecretPolicy;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Starts operators for tests, on a (mock or real) API server, with the LLM simulator, and helpers
 * to drive them. The statics serve the e2e suites, which own their API server and namespaces; an
 * instance serves one test on the mock server's "default" namespace.
 */
public final class OperatorHarness implements AutoCloseable {
  public static final String NS = "default";

  /**
   * The simulator's hosts. Passed as --egress-allow by default: docs/security.md sends a
   * Secret-bound value over plain http only to hosts named there, and the simulator speaks http.
   */
  static final List<String> LOOPBACK = List.of("127.0.0.1", "localhost");

  public static final String ALLOWED_HOSTS = "steadfast.dev/allowed-hosts";
  SecretPolicy secretPolicy = SecretPolicy.ANNOTATED;
  List<String> jobServiceAccounts = List.of();

  /** --enable-chaos; on by default so chaos suites need no setting, off to test the flag. */
  boolean enableChaos = true;

  dev.steadfast.tracing.Tracing tracing = dev.steadfast.tracing.Tracing.OFF;

  final KubernetesClient client;
  final LlmSimulator sim;
  SteadfastOperator operator;

  OperatorHarness(KubernetesClient client, LlmSimulator sim) {
    this.client = client;
    this.sim = sim;
    secret("llm", "key", "sk-test");
  }

  /**
   * The operator's defaults as tests want them: simulators on loopback are reachable
   * (--egress-allow names this machine), and no lost Lease halts the JVM running the tests.
   */
  public static OperatorConfig.Builder config() {
    return OperatorConfig.builder()
        .egressAllow(LoopbackEgress.ALLOW)
        .exitOnLostLease(false)
        .checkTasksUnchanged(true);
  }

  /** An operator on this client with {@link #config()} changed by {@code options}, started. */
  public static SteadfastOperator start(
      KubernetesClient client, UnaryOperator<OperatorConfig.Builder> options) {
    return new SteadfastOperator(client, options.apply(config()).build(), Clock.systemUTC())
        .start();
  }

  /**
   * A Secret holding {@code key: value}, bound by its annotation to the simulator's hosts on
   * loopback (docs/security.md), so that llm steps on the simulator may send it.
   */
  public static void boundSecret(
      KubernetesClient client, String namespace, String name, String key, String value) {
    secret(client, namespace, name, key, value, Map.of(ALLOWED_HOSTS, String.join(",", LOOPBACK)));
  }

  /** Creates or replaces a Secret holding {@code key: value} with these annotations. */
  public static void secret(
      KubernetesClient client,
      String namespace,
      String name,
      String key,
      String value,
      Map<String, String> annotations) {
    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withAnnotations(annotations)
                .endMetadata()
                // Both: the mock server keeps stringData as it is; a real one merges it into data.
                .addToStringData(key, value)
                .addToData(key, java.util.Base64.getEncoder().encodeToString(value.getBytes()))
                .build())
        .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
  }

  SteadfastOperator startOperator() {
    return startOperator(false, List.of());
  }

  SteadfastOperator startOperator(boolean leaderElection, List<String> namespaces) {
    return startOperator(leaderElection, namespaces, LoopbackEgress.ALLOW);
  }

  SteadfastOperator startOperator(
      boolean leaderElection, List<String> namespaces, List<String> egressAllow) {
    operator =
        start(
            client,
            c ->
                c.namespaces(namespaces)
                    .maxConcurrentSteps(16)
                    .leaderElection(leaderElection)
                    .operatorNamespace(NS)
                    .egressAllow(egressAllow)
                    .enableChaos(enableChaos)
                    .tracing(tracing)
                    .identity("test-" + java.util.UUID.randomUUID())
                    .secretPolicy(secretPolicy)
                    .jobServiceAccounts(jobServiceAccounts));
    return operator;
  }

  void stopOperator() {
    if (operator != null) {
      operator.close();
      // JOSDK hands the reconciler the tasks of its cache, not copies (SharedTasks).
      org.assertj.core.api.Assertions.assertThat(operator.changedTasks())
          .as("tasks a reconcile changed")
          .isEmpty();
      operator = null;
    }
  }

  /**
   * A Secret bound to the simulator's hosts (docs/security.md), as every test but the binding's
   * needs.
   */
  void secret(String name, String key, String value) {
    boundSecret(client, NS, name, key, value);
  }

  void secret(String name, String key, String value, Map<String, String> annotations) {
    secret(client, NS, name, key, value, annotations);
  }

  AgentTask apply(String name, String specYaml) {
    String yaml =
        ("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: "
                + name
                + ", namespace: "
                + NS
                + "}\nspec:\n"
                + specYaml)
            .replace("SIM", sim.baseUrl());
    try {
      AgentTask t = Json.YAML.readValue(yaml, AgentTask.class);
      return client.resource(t).create();
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static String llmStep(String name, String model, String extra) {
    return "    - name: "
        + name
        + "\n      llm: {endpoint: 'SIM/v1', model: "
        + model
        + ", apiKeySecretRef: {name: llm, key: key}, "
        + "messages: [{role: user, content: 'Hello from "
        + name
        + "'}]"
        + extra
        + "}\n";
  }

  static String fastPolicy() {
    return "  policy:\n    timeout: 3s\n    retry:\n      maxAttempts: 4\n      backoff: {initialDelay: 100ms, maxDelay: 1s}\n      rateLimit: {initialDelay: 200ms, maxDelay: 5s}\n";
  }

  AgentTask get(String name) {
    return client.resources(AgentTask.class).inNamespace(NS).withName(name).get();
  }

  String phase(String name) {
    AgentTask t = get(name);
    return t == null || t.getStatus() == null || t.getStatus().phase == null
        ? null
        : t.getStatus().phase.name();
  }

  boolean condition(String name, String type, String status) {
    AgentTask t = get(name);
    if (t == null || t.getStatus() == null) {
      return false;
    }
    var c = Conditions.find(t.getStatus().conditions, type);
    return c != null && status.equals(c.status);
  }

  /** The condition of this type on the task's status, or null. */
  dev.steadfast.api.Condition conditionOf(String name, String type) {
    AgentTask t = get(name);
    return t == null || t.getStatus() == null
        ? null
        : Conditions.find(t.getStatus().conditions, type);
  }

  List<Event> events(String task) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> e.getInvolvedObject() != null && task.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  List<String> eventMessages(String task) {
    return events(task).stream().map(Event::getMessage).toList();
  }

  List<String> eventReasons(String task) {
    return events(task).stream().map(Event::getReason).toList();
  }

  @Override
  public void close() {
    stopOperator();
  }

  static Map<String, String> annotation(String k, String v) {
    return Map.of(k, v);
  }
}
