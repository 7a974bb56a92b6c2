package dev.steadfast.operator;

import static dev.steadfast.operator.OperatorHarness.llmStep;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.operator.ApiAccess.Scope;
import dev.steadfast.operator.jobs.FakeKubelet;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Records every request a running operator sends to the API server and checks that each one is
 * listed in {@link ApiAccess}, in the right scope: what the chart's RBAC grants is what the
 * operator needs.
 */
@EnableKubernetesMockClient(crud = true)
class ApiAccessIT {
  static final String OPERATOR_NS = "steadfast-system";
  static final String AGENT = "steadfast-under-test";
  static final String NS = OperatorHarness.NS;
  static KubernetesClient client;
  static KubernetesMockServer server;

  LlmSimulator sim;
  KubernetesClient operatorClient;
  SteadfastOperator operator;

  @BeforeEach
  void accessReviews() throws InterruptedException {
    while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
      // requests of an earlier test
    }
    // So that each test sees the Lease and the breaker ConfigMap created.
    client.leases().inNamespace(OPERATOR_NS).withName("steadfast-operator").delete();
    client.configMaps().inNamespace(OPERATOR_NS).withName("steadfast-breakers").delete();
    // The mock server does not answer access reviews itself (see OperatorRecoveryIT).
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(
            201,
            new SelfSubjectRulesReviewBuilder()
                .withNewMetadata()
                .endMetadata()
                .withNewStatus()
                .withIncomplete(false)
                .addNewResourceRule()
                .withApiGroups("coordination.k8s.io")
                .withResources("leases")
                .withVerbs("get", "create", "update")
                .endResourceRule()
                .endStatus()
                .build())
        .always();
    // The operator gets its own client so that its requests can be told from the test's.
    operatorClient =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(client.getConfiguration()).withUserAgent(AGENT).build())
            .build();
  }

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
    operatorClient.close();
    if (sim != null) {
      sim.stop();
    }
  }

  @Test
  void everyRequestOfANamespacedOperatorIsListedInApiAccess() throws Exception {
    sim = LlmSimulator.builder().port(0).faults(FaultPlan.parse("500@1-2/flaky")).build().start();
    OperatorHarness h = new OperatorHarness(client, sim);
    operator = start(List.of(NS));
    // A large output (ConfigMap), two retries of the same kind (an event and its repeat), a
    // breaker that opens and closes (the breaker ConfigMap), a job step (its inputs ConfigMap, the
    // Job and its pods), then a deletion.
    h.apply(
        "rec",
        "  policy:\n    timeout: 10s\n    retry:\n      maxAttempts: 6\n"
            + "      backoff: {initialDelay: 100ms, maxDelay: 200ms}\n"
            + "    circuitBreaker: {key: rec, failureRateThreshold: 50, slidingWindowSize: 2,"
            + " minimumCalls: 2, openDuration: 1s, halfOpenCalls: 1}\n"
            + "  steps:\n    - name: fetch\n      http: {url: 'SIM/items?count=300'}\n"
            + llmStep("ask", "flaky", "")
            + "    - name: build\n      job: {image: busybox, command: [sh, -c, 'echo ok']}\n");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !client.batch().v1().jobs().inNamespace(NS).list().getItems().isEmpty());
    String job =
        client.batch().v1().jobs().inNamespace(NS).list().getItems().get(0).getMetadata().getName();
    FakeKubelet kubelet = new FakeKubelet(client, NS);
    kubelet.pod(job, FakeKubelet.terminated("Succeeded", 0, "Completed", "{\"ok\": true}\n"));
    kubelet.finish(job, "Complete", null);
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("rec")));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(h.eventReasons("rec"))
                    .contains("StepRetrying", "CircuitOpened", "CircuitClosed"));
    client.resources(AgentTask.class).inNamespace(NS).withName("rec").delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.get("rec") == null);

    Set<String> declared = new TreeSet<>();
    ApiAccess.RULES.forEach(
        rule ->
            rule.verbs()
                .forEach(
                    v -> declared.add(key(rule.apiGroup(), rule.resource(), v, rule.scope()))));
    Set<String> unexercised = new TreeSet<>(declared);
    unexercised.removeAll(checkRequests(false));
    // Each entry of ApiAccess is either made by this scenario or listed here with the reason.
    assertThat(unexercised)
        .containsExactlyInAnyOrder(
            // only to remove the finalizer earlier versions added, from a task being deleted
            // (OperatorIT)
            "steadfast.dev agenttasks patch WATCHED_NAMESPACES",
            // the API server's OwnerReferencesPermissionEnforcement, which the mock lacks
            "steadfast.dev agenttasks/finalizers update WATCHED_NAMESPACES",
            // an output rewritten when a re-run step changes it (every write reads it first)
            " configmaps update WATCHED_NAMESPACES",
            // a Job deleted on timeout, on a lost watch or when its task is deleted mid-attempt
            "batch jobs delete WATCHED_NAMESPACES",
            // JOSDK's start-up check asks for update; fabric8 renews the Lease with a patch, and
            // the update that releases it on close comes after this check
            "coordination.k8s.io leases update OPERATOR_NAMESPACE",
            // a repeat is a PATCH of the count kept in memory; an event is read only when a
            // restarted operator's create finds its name taken (EventRecorderTest)
            " events get WATCHED_NAMESPACES");
  }

  @Test
  void anOperatorOfAllNamespacesListsAndWatchesClusterWide() throws Exception {
    sim = LlmSimulator.builder().port(0).build().start();
    OperatorHarness h = new OperatorHarness(client, sim);
    operator = start(List.of());
    h.apply("all", "  steps:\n" + llmStep("a", "gpt-4o", ""));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("all")));
    assertThat(checkRequests(true))
        .contains(
            "steadfast.dev agenttasks list CLUSTER_WIDE",
            "steadfast.dev agenttasks watch CLUSTER_WIDE",
            " secrets list CLUSTER_WIDE",
            " secrets watch CLUSTER_WIDE");
  }

  private SteadfastOperator start(List<String> namespaces) {
    return OperatorHarness.start(
        operatorClient,
        c ->
            c.namespaces(namespaces)
                .maxConcurrentSteps(4)
                .leaderElection(true)
                .operatorNamespace(OPERATOR_NS)
                .identity("recorder"));
  }

  /**
   * Drains the recorded requests, checks the operator's against ApiAccess and returns them as
   * "group resource verb scope" (scope CLUSTER_WIDE: a list or watch across namespaces).
   */
  private Set<String> checkRequests(boolean allNamespaces) throws InterruptedException {
    List<ApiRequest> requests = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
      if (AGENT.equals(r.getHeader("User-Agent"))) {
        requests.add(ApiRequest.parse(r.getMethod(), r.getPath()));
      }
    }
    assertThat(requests).isNotEmpty();
    List<String> unlisted = new ArrayList<>();
    for (ApiRequest req : requests) {
      if (ApiAccess.RULES.stream().noneMatch(rule -> allows(rule, req, allNamespaces))) {
        unlisted.add(req.toString());
      }
    }
    assertThat(unlisted).as("requests that no entry of ApiAccess allows").isEmpty();
    Set<String> made = new TreeSet<>();
    for (ApiRequest q : requests) {
      String scope =
          q.namespace() == null
              ? (q.resource().equals("selfsubjectrulesreviews") ? "CLUSTER" : "CLUSTER_WIDE")
              : q.namespace().equals(OPERATOR_NS)
                  ? Scope.OPERATOR_NAMESPACE.name()
                  : Scope.WATCHED_NAMESPACES.name();
      made.add(key(q.group(), q.resource(), q.verb(), scope));
    }
    return made;
  }

  private static String key(String group, String resource, String verb, Object scope) {
    return group + " " + resource + " " + verb + " " + scope;
  }

  private static boolean allows(ApiAccess.Rule rule, ApiRequest req, boolean allNamespaces) {
    if (!rule.apiGroup().equals(req.group())
        || !rule.resource().equals(req.resource())
        || !rule.verbs().contains(req.verb())) {
      return false;
    }
    return switch (rule.scope()) {
      case CLUSTER -> req.namespace() == null;
      case OPERATOR_NAMESPACE -> OPERATOR_NS.equals(req.namespace());
      case WATCHED_NAMESPACES -> allNamespaces || NS.equals(req.namespace());
    };
  }
}
