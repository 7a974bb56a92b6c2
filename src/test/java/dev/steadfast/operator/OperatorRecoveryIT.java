package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.StepPhase;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Restart-resume, people in the loop, and leader election, on the mock API server. */
@EnableKubernetesMockClient(crud = true)
class OperatorRecoveryIT {
  static KubernetesClient client;
  static io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server;
  LlmSimulator sim;
  OperatorHarness h;

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
    if (sim != null) {
      sim.stop();
    }
    client.resources(AgentTask.class).inAnyNamespace().delete();
  }

  OperatorHarness harness(LlmSimulator simulator) {
    sim = simulator;
    h = new OperatorHarness(client, sim);
    return h;
  }

  static Map<String, Set<String>> succeededKeysByUnit(List<RecordedRequest> requests) {
    return requests.stream()
        .filter(r -> r.status() == 200 && r.idempotencyKey() != null)
        .collect(
            Collectors.groupingBy(
                r -> r.idempotencyKey().split("/")[1],
                Collectors.mapping(RecordedRequest::idempotencyKey, Collectors.toSet())));
  }

  @Test
  void aNewOperatorResumesMidStepWithoutRepeatingFinishedWork() {
    harness(LlmSimulator.builder().port(0).latency(Duration.ofMillis(1500)).build().start())
        .startOperator();
    h.apply(
        "resume",
        OperatorHarness.fastPolicy().replace("timeout: 3s", "timeout: 10s")
            + "  steps:\n"
            + OperatorHarness.llmStep("a", "gpt-4o", "")
            + OperatorHarness.llmStep("b", "gpt-4o", "")
            + OperatorHarness.llmStep("c", "gpt-4o", ""));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              AgentTask t = h.get("resume");
              return t != null
                  && t.getStatus() != null
                  && t.getStatus().steps.size() == 3
                  && t.getStatus().steps.get(0).phase == StepPhase.Succeeded
                  && t.getStatus().steps.get(1).phase == StepPhase.Running;
            });
    h.stopOperator(); // the attempt of b is in flight
    String uid = h.get("resume").getMetadata().getUid();
    h.startOperator();
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("resume")));
    Map<String, Set<String>> keys = succeededKeysByUnit(sim.requests());
    assertThat(keys.get("a")).containsExactly(uid + "/a/-/1");
    assertThat(keys.get("b")).containsExactly(uid + "/b/-/1"); // re-run with the same key
    assertThat(keys.get("c")).containsExactly(uid + "/c/-/1");
    assertThat(sim.requests()).filteredOn(r -> r.idempotencyKey().contains("/a/")).hasSize(1);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(h.eventReasons("resume")).contains("Resumed"));
  }

  @Test
  void aNewOperatorKeepsTheBackoffSchedule() {
    harness(
            LlmSimulator.builder()
                .port(0)
                .retryAfterSeconds(4)
                .faults(FaultPlan.parse("429@1/gpt-4o"))
                .build()
                .start())
        .startOperator();
    h.apply(
        "backoff",
        OperatorHarness.fastPolicy() + "  steps:\n" + OperatorHarness.llmStep("a", "gpt-4o", ""));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Waiting".equals(h.phase("backoff")));
    Instant next = Instant.parse(h.get("backoff").getStatus().nextAttemptAt);
    h.stopOperator();
    h.startOperator();
    await().atMost(Duration.ofSeconds(60)).until(() -> sim.requests().size() == 2);
    Instant retriedAt = Instant.now();
    assertThat(retriedAt).isAfterOrEqualTo(next.minusMillis(100));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("backoff")));
    assertThat(h.get("backoff").getStatus().attempts).isEqualTo(2);
  }

  @Test
  void fixingTheSecretRetriesATaskStalledOnUnauthorized() {
    harness(LlmSimulator.builder().port(0).requireApiKey("good-key").build().start());
    h.secret("llm", "key", "bad-key");
    h.startOperator();
    h.apply(
        "creds",
        OperatorHarness.fastPolicy() + "  steps:\n" + OperatorHarness.llmStep("a", "gpt-4o", ""));
    await().atMost(Duration.ofSeconds(60)).until(() -> h.condition("creds", "Stalled", "True"));
    assertThat(h.get("creds").getStatus().steps.get(0).lastError.reason).isEqualTo("Unauthorized");
    long t0 = System.nanoTime();
    h.secret("llm", "key", "good-key");
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("creds")));
    System.out.println(
        "DEBUG secret-fix took ms " + (System.nanoTime() - t0) / 1_000_000 + " stalled-at " + t0);
    assertThat(h.condition("creds", "Stalled", "False")).isTrue();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(h.eventReasons("creds")).contains("Retrying"));
    assertThat(sim.requests()).hasSize(2);
    assertThat(client.v1().events().inNamespace("default").list().getItems().toString())
        .doesNotContain("good-key")
        .doesNotContain("bad-key");
  }

  @Test
  void theRetryAnnotationRetriesAFailedStepWithAFreshBudget() {
    harness(LlmSimulator.builder().port(0).faults(FaultPlan.parse("401@1/gpt-4o")).build().start())
        .startOperator();
    h.apply(
        "manual",
        OperatorHarness.fastPolicy() + "  steps:\n" + OperatorHarness.llmStep("a", "gpt-4o", ""));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Failed".equals(h.phase("manual")));
    client
        .resources(AgentTask.class)
        .inNamespace("default")
        .withName("manual")
        .edit(
            t -> {
              t.getMetadata().setAnnotations(Map.of(AgentTask.RETRY_ANNOTATION, "1700000000"));
              return t;
            });
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("manual")));
    String uid = h.get("manual").getMetadata().getUid();
    assertThat(sim.requests())
        .extracting(RecordedRequest::idempotencyKey)
        .containsExactly(uid + "/a/-/1", uid + "/a/-/2");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(h.eventReasons("manual")).contains("Retrying"));
  }

  @Test
  void theRetryAnnotationAlsoRefreshesTheTasksAttemptBudget() {
    harness(
            LlmSimulator.builder()
                .port(0)
                .faults(FaultPlan.parse("500@1-3/gpt-4o"))
                .build()
                .start())
        .startOperator();
    h.apply(
        "budget",
        "  maxTotalAttempts: 2\n"
            + OperatorHarness.fastPolicy()
            + "  steps:\n"
            + OperatorHarness.llmStep("a", "gpt-4o", ""));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Failed".equals(h.phase("budget")));
    assertThat(h.get("budget").getStatus().steps.get(0).lastError.reason).isEqualTo("LoopDetected");
    assertThat(sim.requests()).hasSize(2);
    client
        .resources(AgentTask.class)
        .inNamespace("default")
        .withName("budget")
        .edit(
            t -> {
              t.getMetadata().setAnnotations(Map.of(AgentTask.RETRY_ANNOTATION, "1700000001"));
              return t;
            });
    // A fresh budget of 2: one more 500, then the answer.
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("budget")));
    assertThat(sim.requests()).hasSize(4);
    assertThat(h.get("budget").getStatus().attempts).isEqualTo(4);
  }

  @Test
  void aRefusedCheckpointWriteLosesNothingAndIsReportedAsAnEvent() {
    harness(LlmSimulator.builder().port(0).latency(Duration.ofMillis(1500)).build().start())
        .startOperator();
    h.apply(
        "refused",
        OperatorHarness.fastPolicy() + "  steps:\n" + OperatorHarness.llmStep("a", "gpt-4o", ""));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Running".equals(h.phase("refused")));
    // The write that carries the step's outcome is refused twice (as for a status too large).
    server
        .expect()
        .put()
        .withPath("/apis/steadfast.dev/v1alpha1/namespaces/default/agenttasks/refused/status")
        .andReturn(
            422,
            new io.fabric8.kubernetes.api.model.StatusBuilder()
                .withStatus("Failure")
                .withCode(422)
                .withReason("Invalid")
                .withMessage("AgentTask.steadfast.dev \"refused\" is invalid: status: Too long")
                .build())
        .times(2);
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("refused")));
    // The outcome was kept and folded again, never re-run.
    assertThat(sim.requests()).hasSize(1);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(h.events("refused"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getReason()).isEqualTo("CheckpointFailed");
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getMessage())
                              .contains("cannot save the status (HTTP 422)", "Too long");
                        }));
    assertThat(h.operator.metrics().scrape())
        .containsPattern("steadfast_checkpoint_writes_total\\{result=\"error\"\\} 2\\.0");
  }

  @Test
  void withLeaderElectionOnlyTheLeaderRunsSteps() {
    // JOSDK checks that it may use Leases; the mock server does not answer access reviews itself.
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(
            201,
            new io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder()
                .withNewMetadata()
                .endMetadata()
                .withNewSpec()
                .withNamespace("default")
                .endSpec()
                .withNewStatus()
                .withIncomplete(false)
                .addNewResourceRule()
                .withApiGroups("coordination.k8s.io")
                .withResources("leases")
                .withVerbs("*")
                .endResourceRule()
                .endStatus()
                .build())
        .always();
    harness(LlmSimulator.builder().port(0).build().start());
    SteadfastOperator first = h.startOperator(true, List.of());
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                client.leases().inNamespace("default").withName("steadfast-operator").get()
                    != null);
    try (SteadfastOperator second =
        OperatorHarness.start(
            client, c -> c.maxConcurrentSteps(4).leaderElection(true).identity("second"))) {
      h.apply(
          "led",
          OperatorHarness.fastPolicy()
              + "  steps:\n"
              + OperatorHarness.llmStep("a", "gpt-4o", "")
              + OperatorHarness.llmStep("b", "gpt-4o", ""));
      await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("led")));
      Lease lease = client.leases().inNamespace("default").withName("steadfast-operator").get();
      assertThat(lease.getSpec().getHolderIdentity()).isNotEqualTo("second");
      assertThat(sim.requests()).hasSize(2);
      assertThat(second.metrics().scrape()).doesNotContain("steadfast_attempts_total{");
      assertThat(first.metrics().scrape()).contains("steadfast_attempts_total{");
    }
    // The leader stops and gives up the Lease: the follower that was stopped before must never
    // take it (a stopped operator that still campaigned would run steps nobody sees).
    h.stopOperator();
    await()
        .during(Duration.ofSeconds(6))
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                !"second"
                    .equals(
                        client
                            .leases()
                            .inNamespace("default")
                            .withName("steadfast-operator")
                            .get()
                            .getSpec()
                            .getHolderIdentity()));
  }
}
