package dev.steadfast.operator;

import static dev.steadfast.operator.OperatorHarness.fastPolicy;
import static dev.steadfast.operator.OperatorHarness.llmStep;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import dev.steadfast.simulator.SimulatorConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The error taxonomy end to end through the operator: each tier, fallbacks, a shared breaker, the
 * loop guard, suspend and delete, as a user sees them in status, conditions, events and the
 * requests the LLM simulator received.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorResilienceIT {
  private static final Duration LONG = Duration.ofSeconds(60);
  static KubernetesClient client;
  LlmSimulator sim;
  OperatorHarness h;

  void start(String faults) {
    start(faults, b -> {});
  }

  void start(String faults, Consumer<SimulatorConfig.Builder> tune) {
    var b = LlmSimulator.builder().port(0).retryAfterSeconds(1).faults(FaultPlan.parse(faults));
    tune.accept(b);
    sim = b.build().start();
    h = new OperatorHarness(client, sim);
    h.startOperator();
  }

  @AfterEach
  void stop() {
    // Deleted while the operator runs, so that their attempts are cancelled.
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

  @Test
  void transientErrorsAreRetriedWithAFreshIdempotencyKeyPerAttempt() {
    start("500@1-2/gpt-4o");
    h.apply("flaky", fastPolicy() + "  steps:\n" + llmStep("a", "gpt-4o", ""));
    await().atMost(LONG).until(() -> "Succeeded".equals(h.phase("flaky")));
    AgentTask t = h.get("flaky");
    StepStatus a = t.getStatus().steps.get(0);
    assertThat(a.attempts).isEqualTo(3);
    assertThat(a.lastError.tier).isEqualTo(Tier.Transient);
    assertThat(a.lastError.reason).isEqualTo("ServerError");
    assertThat(a.lastError.code).isEqualTo(500);
    String uid = t.getMetadata().getUid();
    assertThat(sim.requests())
        .extracting(RecordedRequest::idempotencyKey)
        .containsExactly(uid + "/a/-/1", uid + "/a/-/2", uid + "/a/-/3");
    assertThat(sim.requests()).extracting(RecordedRequest::status).containsExactly(500, 500, 200);
    assertThat(h.condition("flaky", "Ready", "True")).isTrue();
    awaitEvents("flaky", "StepRetrying", "Succeeded");
    awaitStepSucceeded("flaky", "a");
  }

  @Test
  void invalidOutputIsRepairedWithTheValidatorsProblems() {
    start("invalid-output@1/gpt-4o");
    String schema =
        ", responseFormat: json, outputSchema: {type: object, required: [answer],"
            + " properties: {answer: {type: string}}}";
    h.apply("repair", fastPolicy() + "  steps:\n" + llmStep("a", "gpt-4o", schema));
    await().atMost(LONG).until(() -> "Succeeded".equals(h.phase("repair")));
    StepStatus a = h.get("repair").getStatus().steps.get(0);
    assertThat(a.output.path("answer").isTextual()).isTrue();
    assertThat(a.lastError.reason).isEqualTo("InvalidOutput");
    List<RecordedRequest> requests = sim.requests();
    assertThat(requests).extracting(RecordedRequest::fault).containsExactly("invalid-output", null);
    String repair = requests.get(1).body().path("messages").toString();
    assertThat(repair)
        .contains("Your previous answer was invalid")
        .contains("output is not valid JSON")
        .contains("unterminated") // the bad answer is shown back to the model
        .contains("required");
    assertThat(h.condition("repair", "Degraded", "False")).isTrue();
  }

  @Test
  void contextOverflowIsTruncatedAndRetried() {
    start("", b -> b.contextWindow("gpt-4o", 300));
    String longText = "lorem ipsum dolor ".repeat(120); // ~540 tokens for a 300-token window
    String step =
        "    - name: a\n      llm: {endpoint: 'SIM/v1', model: gpt-4o, apiKeySecretRef:"
            + " {name: llm, key: key}, messages: [{role: user, content: '"
            + longText
            + "'}]}\n";
    h.apply("overflow", fastPolicy() + "  steps:\n" + step);
    await().atMost(LONG).until(() -> "Succeeded".equals(h.phase("overflow")));
    assertThat(h.get("overflow").getStatus().steps.get(0).lastError.reason)
        .isEqualTo("ContextOverflow");
    List<RecordedRequest> requests = sim.requests();
    assertThat(requests).extracting(RecordedRequest::fault).containsExactly("context", null);
    assertThat(requests.get(1).body().toString().length())
        .isLessThan(requests.get(0).body().toString().length());
    assertThat(requests.get(1).body().path("messages").toString()).contains("[truncated]");
    awaitEvents("overflow", "StepRetrying");
    awaitStepSucceeded("overflow", "a");
  }

  @Test
  void unauthorizedStallsAtOnceWithoutRetrying() {
    start("401@1-99/gpt-4o");
    h.apply("denied", fastPolicy() + "  steps:\n" + llmStep("a", "gpt-4o", ""));
    await().atMost(LONG).until(() -> "Failed".equals(h.phase("denied")));
    assertThat(h.conditionOf("denied", "Stalled").status).isEqualTo("True");
    assertThat(h.conditionOf("denied", "Stalled").reason).isEqualTo("Unauthorized");
    assertThat(h.condition("denied", "Ready", "False")).isTrue();
    assertThat(h.condition("denied", "Reconciling", "False")).isTrue();
    AgentTask t = h.get("denied");
    assertThat(t.getStatus().steps.get(0).phase).isEqualTo(StepPhase.Failed);
    assertThat(t.getStatus().steps.get(0).lastError.tier).isEqualTo(Tier.Fatal);
    assertThat(t.getStatus().message).contains("Unauthorized").doesNotContain("sk-test");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(h.events("denied"))
                    .filteredOn(
                        e -> List.of("FatalError", "StepFailed", "Failed").contains(e.getReason()))
                    .extracting(Event::getReason, Event::getType)
                    .containsExactlyInAnyOrder(
                        tuple("FatalError", "Warning"),
                        tuple("StepFailed", "Warning"),
                        tuple("Failed", "Warning")));
    assertThat(sim.requests()).hasSize(1);
  }

  @Test
  void exhaustedQuotaIsFatal() {
    start("quota@1-99/gpt-4o");
    h.apply("broke", fastPolicy() + "  steps:\n" + llmStep("a", "gpt-4o", ""));
    await().atMost(LONG).until(() -> "Failed".equals(h.phase("broke")));
    assertThat(h.conditionOf("broke", "Stalled").reason).isEqualTo("QuotaExhausted");
    assertThat(h.get("broke").getStatus().steps.get(0).lastError.code).isEqualTo(429);
    assertThat(sim.requests()).hasSize(1);
    awaitEvents("broke", "FatalError", "StepFailed", "Failed");
  }

  @Test
  void aFallbackModelSucceedsButMarksTheTaskDegraded() {
    start("500@1-99/gpt-4o");
    h.apply(
        "fallback",
        fastPolicy()
            + "  steps:\n"
            + llmStep("a", "gpt-4o", "")
            + "      fallbacks: [{llm: {model: gpt-4o-mini}}]\n");
    await().atMost(LONG).until(() -> "Succeeded".equals(h.phase("fallback")));
    StepStatus a = h.get("fallback").getStatus().steps.get(0);
    assertThat(a.fallback).isEqualTo("llm");
    assertThat(a.degraded).isTrue();
    assertThat(h.conditionOf("fallback", "Degraded").status).isEqualTo("True");
    assertThat(h.conditionOf("fallback", "Degraded").reason).isEqualTo("FallbackUsed");
    assertThat(h.condition("fallback", "Ready", "True")).isTrue();
    // maxAttempts 4 on the primary model, then one call to the fallback model.
    assertThat(sim.requests())
        .extracting(RecordedRequest::model)
        .containsExactly("gpt-4o", "gpt-4o", "gpt-4o", "gpt-4o", "gpt-4o-mini");
    awaitEvents("fallback", "FallbackUsed");
  }

  @Test
  void oneSharedBreakerOpensForTwoTasksAndClosesAfterATrialCall() {
    start("500@1-4/shared-model");
    String policy =
        "  policy:\n    timeout: 3s\n    retry:\n      maxAttempts: 10\n"
            + "      backoff: {initialDelay: 100ms, maxDelay: 200ms}\n"
            + "    circuitBreaker: {key: shared, failureRateThreshold: 50, slidingWindowSize: 4,"
            + " minimumCalls: 4, openDuration: 3s, halfOpenCalls: 1}\n";
    h.apply("one", policy + "  steps:\n" + llmStep("a", "shared-model", ""));
    h.apply("two", policy + "  steps:\n" + llmStep("a", "shared-model", ""));
    AtomicBoolean sawWaiting = new AtomicBoolean();
    await()
        .atMost(LONG)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              for (String name : List.of("one", "two")) {
                var reconciling = h.conditionOf(name, "Reconciling");
                AgentTask t = h.get(name);
                boolean open =
                    (reconciling != null && "CircuitOpen".equals(reconciling.reason))
                        || (t.getStatus() != null
                            && t.getStatus().message != null
                            && t.getStatus().message.contains("CircuitOpen"));
                sawWaiting.compareAndSet(false, open);
              }
              return "Succeeded".equals(h.phase("one")) && "Succeeded".equals(h.phase("two"));
            });
    assertThat(sawWaiting).as("a task waited on the open breaker").isTrue();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              List<String> reasons = new java.util.ArrayList<>(h.eventReasons("one"));
              reasons.addAll(h.eventReasons("two"));
              assertThat(reasons).contains("CircuitOpened", "CircuitClosed");
            });
    // Four failures and one success per task: an open breaker sends nothing and spends no attempt.
    assertThat(sim.requests())
        .extracting(RecordedRequest::status)
        .containsExactlyInAnyOrder(500, 500, 500, 500, 200, 200);
    assertThat(h.get("one").getStatus().attempts + h.get("two").getStatus().attempts).isEqualTo(6);
    assertThat(h.operator.breakers().states(OperatorHarness.NS)).containsEntry("shared", "CLOSED");
    ConfigMap cm =
        client.configMaps().inNamespace(OperatorHarness.NS).withName("steadfast-breakers").get();
    assertThat(cm).isNotNull();
    // Persisted under the task's namespace: another namespace's "shared" is another breaker.
    assertThat(dev.steadfast.engine.breaker.BreakerStates.read(cm.getData().get("breakers.json")))
        .containsOnlyKeys(new dev.steadfast.engine.breaker.BreakerId(OperatorHarness.NS, "shared"));
  }

  @Test
  void theSameFailureRepeatedIsStoppedAsALoop() {
    start("500@1-99/gpt-4o");
    String policy =
        "  policy:\n    timeout: 3s\n    retry:\n      maxAttempts: 0\n"
            + "      backoff: {initialDelay: 100ms, maxDelay: 200ms}\n"
            + "    loopDetection: {maxIdenticalFailures: 3}\n";
    h.apply("loop", policy + "  steps:\n" + llmStep("a", "gpt-4o", ""));
    await().atMost(LONG).until(() -> "Failed".equals(h.phase("loop")));
    assertThat(h.conditionOf("loop", "Stalled").reason).isEqualTo("LoopDetected");
    assertThat(h.get("loop").getStatus().steps.get(0).lastError.reason).isEqualTo("LoopDetected");
    assertThat(sim.requests()).hasSize(3);
    awaitEvents("loop", "LoopDetected", "FatalError", "Failed");
    assertThat(h.operator.metrics().scrape())
        .containsPattern("(?m)^steadfast_loop_detections_total 1\\.0$");
  }

  @Test
  void aSuspendedTaskStartsNothingUntilResumed() {
    start("");
    h.apply("paused", fastPolicy() + "  suspend: true\n  steps:\n" + llmStep("a", "gpt-4o", ""));
    await().atMost(LONG).until(() -> "Suspended".equals(h.phase("paused")));
    assertThat(h.conditionOf("paused", "Stalled").reason).isEqualTo("Suspended");
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(() -> sim.requests().isEmpty());
    // Created suspended: the status tells it, no event (one write per task, SuspendedWritesIT).
    assertThat(h.eventReasons("paused")).doesNotContain("Suspended");
    client
        .resources(AgentTask.class)
        .inNamespace(OperatorHarness.NS)
        .withName("paused")
        .edit(
            t -> {
              t.getSpec().suspend = false;
              return t;
            });
    await().atMost(LONG).until(() -> "Succeeded".equals(h.phase("paused")));
    assertThat(sim.requests()).hasSize(1);
    awaitEvents("paused", "Resumed");
  }

  @Test
  void deletingATaskCancelsItsAttemptInFlight() {
    start("timeout@1-99/gpt-4o", b -> b.hangFor(Duration.ofSeconds(30)));
    h.apply(
        "doomed",
        fastPolicy() + "  steps:\n" + llmStep("a", "gpt-4o", "") + "      timeout: 20s\n");
    await()
        .atMost(LONG)
        .until(
            () -> {
              AgentTask t = h.get("doomed");
              return t.getStatus() != null
                  && t.getStatus().phase == TaskPhase.Running
                  && Integer.valueOf(1).equals(t.getStatus().attempts)
                  && sim.requests().size() == 1;
            });
    assertThat(h.operator.inFlightAttempts()).isEqualTo(1);
    client.resources(AgentTask.class).inNamespace(OperatorHarness.NS).withName("doomed").delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.get("doomed") == null);
    // No finalizer: the task is gone first, then its deletion is reconciled.
    await().atMost(Duration.ofSeconds(10)).until(() -> h.operator.inFlightAttempts() == 0);
    // The hung call was interrupted well before its 20 s timeout, freeing the pool thread.
    await().atMost(Duration.ofSeconds(5)).until(() -> h.operator.busyAttemptThreads() == 0);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> sim.requests().size() == 1);
  }

  @Test
  void toleratedItemFailuresLeaveTheTaskSucceededButDegraded() {
    start("");
    h.apply(
        "items",
        fastPolicy()
            + "  inputs: {counts: [1, 2, -1, 4, 5]}\n"
            + "  steps:\n"
            + "    - name: fetch\n"
            + "      forEach: {items: 'inputs.counts', concurrency: 2, toleratedFailures: 1}\n"
            + "      http: {url: 'SIM/items?count={{ item }}'}\n");
    await().atMost(LONG).until(() -> "Succeeded".equals(h.phase("items")));
    StepStatus fetch = h.get("items").getStatus().steps.get(0);
    assertThat(fetch.items.total).isEqualTo(5);
    assertThat(fetch.items.succeeded).isEqualTo(4);
    assertThat(fetch.items.failed).isEqualTo(1);
    assertThat(fetch.degraded).isTrue();
    assertThat(fetch.output).hasSize(5);
    assertThat(fetch.output.get(2).isNull()).isTrue();
    assertThat(fetch.output.get(4).path("items")).hasSize(5);
    assertThat(h.conditionOf("items", "Degraded").status).isEqualTo("True");
    assertThat(h.conditionOf("items", "Degraded").reason).isEqualTo("PartialFailure");
    // A 400 is not retried identically: five items, five requests.
    assertThat(sim.requests()).hasSize(5);
    assertThat(sim.requests()).filteredOn(r -> r.status() == 400).hasSize(1);
    awaitEvents("items", "Succeeded");
    awaitStepSucceeded("items", "fetch");
  }

  /**
   * A step's success is shown: its own StepSucceeded, or a line of the task's Succeeded when the
   * task finished right after it (docs/events.md).
   */
  private void awaitStepSucceeded(String task, String step) {
    Pattern line = Pattern.compile("(^|; )" + Pattern.quote(step) + ": [^;]*succeeded");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(h.events(task))
                    .filteredOn(e -> e.getReason().matches("StepSucceeded|Succeeded"))
                    .extracting(Event::getMessage)
                    .anySatisfy(m -> assertThat(m).containsPattern(line)));
  }

  private void awaitEvents(String task, String... reasons) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(h.eventReasons(task)).contains(reasons));
  }
}
