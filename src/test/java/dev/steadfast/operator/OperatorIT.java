package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.StepPhase;
import dev.steadfast.engine.format.Json;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The operator on fabric8's mock API server (CRUD mode) with the LLM simulator. */
@EnableKubernetesMockClient(crud = true)
class OperatorIT {
  static KubernetesClient client;
  LlmSimulator sim;
  OperatorHarness h;

  OperatorHarness start(String faults) {
    var b = LlmSimulator.builder().port(0).retryAfterSeconds(1);
    if (faults != null) {
      b.faults(FaultPlan.parse(faults));
    }
    sim = b.build().start();
    h = new OperatorHarness(client, sim);
    h.startOperator();
    return h;
  }

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

  @Test
  void happyPathWithOneStatusWritePerStepTransition() {
    start(null);
    h.apply(
        "happy",
        OperatorHarness.fastPolicy()
            + "  steps:\n"
            + OperatorHarness.llmStep("a", "gpt-4o", "")
            + OperatorHarness.llmStep("b", "gpt-4o", ""));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("happy")));
    AgentTask t = h.get("happy");
    assertThat(t.getStatus().steps)
        .extracting(s -> s.phase)
        .containsExactly(StepPhase.Succeeded, StepPhase.Succeeded);
    assertThat(t.getStatus().observedGeneration).isEqualTo(t.getMetadata().getGeneration());
    assertThat(h.condition("happy", "Ready", "True")).isTrue();
    assertThat(h.condition("happy", "Reconciling", "False")).isTrue();
    assertThat(sim.requests())
        .extracting(RecordedRequest::idempotencyKey)
        .containsExactly(t.getMetadata().getUid() + "/a/-/1", t.getMetadata().getUid() + "/b/-/1");
    // Each step's start and success reach the events: a fast step's start inside its success.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              String said = String.join("\n", h.eventMessages("happy"));
              for (String step : new String[] {"a", "b"}) {
                assertThat(said).contains(step + ": succeeded");
                assertThat(said).containsAnyOf(step + ": llm", step + ": succeeded (llm, started ");
              }
            });
    // a's start is held (it only says "started") and written with a's answer and b's start; b's
    // start is held likewise and written with its answer: two writes for two steps.
    assertThat(h.operator.metrics().scrape())
        .containsPattern("steadfast_checkpoint_writes_total\\{result=\"ok\"\\} 2\\.0");
    System.out.printf(
        "a 2-step task: %.0f reconciles, 2 status writes%n", h.operator.metrics().reconciles());
  }

  @Test
  void aSlowStepShowsItsStartThenItsSuccessAFastOneItsSuccessWithTheStartTime() {
    start(null);
    try (LlmSimulator slow =
        LlmSimulator.builder().port(0).latency(Duration.ofMillis(2500)).build().start()) {
      h.apply("fast", "  steps:\n" + OperatorHarness.llmStep("quick", "gpt-4o", ""));
      h.apply(
          "slow",
          "  steps:\n"
              + OperatorHarness.llmStep("think", "gpt-4o", "").replace("SIM", slow.baseUrl()));

      // While the slow step runs, a person already sees that it started.
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(h.events("slow"))
                      .extracting(Event::getReason, Event::getMessage)
                      .contains(tuple("StepStarted", "think: llm")));
      // The status says so within the bound a start-only status is held for (DeferredStarts).
      await()
          .atMost(DeferredStarts.BOUND.plusMillis(1500))
          .until(() -> "Running".equals(h.phase("slow")));
      await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("slow")));
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(String.join("\n", h.eventMessages("slow")))
                      .contains("think: succeeded"));
      assertThat(h.events("slow")).filteredOn(e -> e.getReason().equals("StepStarted")).hasSize(1);

      await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("fast")));
      Instant started = Instant.parse(h.get("fast").getStatus().steps.get(0).startedAt);
      Pattern note = Pattern.compile("quick: succeeded \\(llm, started (\\S+Z), ran [0-9.]+ s\\)");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(String.join("\n", h.eventMessages("fast"))).containsPattern(note));
      Matcher m = note.matcher(String.join("\n", h.eventMessages("fast")));
      assertThat(m.find()).isTrue();
      // The time the start was recorded, just after the status that holds it was written.
      assertThat(Duration.between(started, Instant.parse(m.group(1))).abs())
          .isLessThan(Duration.ofSeconds(5));
      assertThat(h.eventReasons("fast")).doesNotContain("StepStarted");
    }
  }

  @Test
  void noFinalizerIsAddedAndOneAnEarlierVersionAddedIsRemovedOnDeletion() throws Exception {
    start(null);
    String spec =
        OperatorHarness.fastPolicy() + "  steps:\n" + OperatorHarness.llmStep("a", "gpt-4o", "");
    h.apply("fresh", spec);
    // As an earlier version left it: its finalizer, and someone else's.
    client
        .resource(
            Json.YAML.readValue(
                "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: old,"
                    + " namespace: "
                    + OperatorHarness.NS
                    + ", finalizers: ['"
                    + AgentTaskReconciler.LEGACY_FINALIZER
                    + "', example.com/keep-me]}\nspec:\n"
                    + spec.replace("SIM", sim.baseUrl()),
                AgentTask.class))
        .create();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> "Succeeded".equals(h.phase("fresh")) && "Succeeded".equals(h.phase("old")));
    assertThat(h.get("fresh").getMetadata().getFinalizers()).isEmpty();

    client.resources(AgentTask.class).inNamespace(OperatorHarness.NS).withName("old").delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(h.get("old").getMetadata().getFinalizers())
                    .containsExactly("example.com/keep-me"));
    client.resources(AgentTask.class).inNamespace(OperatorHarness.NS).withName("fresh").delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.get("fresh") == null);
    // Let the other holder go, so the cleanup after this test can delete it.
    client
        .resource(h.get("old"))
        .edit(
            t -> {
              t.getMetadata().setFinalizers(java.util.List.of());
              return t;
            });
    await().atMost(Duration.ofSeconds(30)).until(() -> h.get("old") == null);
  }

  @Test
  void invalidSpecStallsWithAMessageNamingTheField() {
    start(null);
    h.apply("bad", "  steps:\n    - name: a\n      http: {url: '{{ steps.ghost.output }}'}\n");
    await().atMost(Duration.ofSeconds(60)).until(() -> h.condition("bad", "Stalled", "True"));
    var stalled =
        dev.steadfast.engine.status.Conditions.find(h.get("bad").getStatus().conditions, "Stalled");
    assertThat(stalled.reason).isEqualTo("InvalidSpec");
    assertThat(stalled.message).contains("spec.steps[0].http.url").contains("ghost");
    assertThat(h.phase("bad")).isEqualTo("Failed");
  }

  @Test
  void rateLimitHonoursRetryAfterThroughNextAttemptAt() {
    sim =
        LlmSimulator.builder()
            .port(0)
            .retryAfterSeconds(3)
            .faults(FaultPlan.parse("429@1/gpt-4o"))
            .build()
            .start();
    h = new OperatorHarness(client, sim);
    h.startOperator();
    h.apply(
        "limited",
        OperatorHarness.fastPolicy() + "  steps:\n" + OperatorHarness.llmStep("a", "gpt-4o", ""));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Waiting".equals(h.phase("limited")));
    AgentTask waiting = h.get("limited");
    Instant next = Instant.parse(waiting.getStatus().nextAttemptAt);
    assertThat(waiting.getStatus().message).contains("RateLimited (429)");
    assertThat(h.condition("limited", "Reconciling", "True")).isTrue();
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("limited")));
    assertThat(sim.requests()).hasSize(2);
    // The retry was not sent before the server's Retry-After (3 s, within maxDelay 5 s).
    assertThat(Duration.between(Instant.parse(h.get("limited").getStatus().startedAt), next))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void aMalformedResourceDoesNotBlockOthers() {
    start(null);
    h.apply("nosteps", "  inputs: {x: 1}\n  steps: []\n");
    h.apply(
        "fine",
        OperatorHarness.fastPolicy() + "  steps:\n" + OperatorHarness.llmStep("a", "gpt-4o", ""));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("fine")));
    await().atMost(Duration.ofSeconds(60)).until(() -> h.condition("nosteps", "Stalled", "True"));
    assertThat(
            dev.steadfast.engine.status.Conditions.find(
                    h.get("nosteps").getStatus().conditions, "Stalled")
                .message)
        .contains("spec.steps");
  }

  @Test
  void aSpecChangeKeepsUnchangedFinishedStepsAndReRunsTheRest() {
    start(null);
    h.apply(
        "edit",
        OperatorHarness.fastPolicy()
            + "  steps:\n"
            + OperatorHarness.llmStep("a", "gpt-4o", "")
            + OperatorHarness.llmStep("b", "gpt-4o", ""));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("edit")));
    String before = h.get("edit").getStatus().steps.get(0).output.toString();
    client
        .resources(AgentTask.class)
        .inNamespace("default")
        .withName("edit")
        .edit(
            t -> {
              t.getSpec().steps.get(1).llm.messages.get(0).content = "A different question";
              return t;
            });
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              AgentTask t = h.get("edit");
              return "Succeeded".equals(h.phase("edit")) && t.getStatus().observedGeneration == 2L;
            });
    assertThat(sim.requests())
        .extracting(r -> r.idempotencyKey().split("/")[1])
        .containsExactly("a", "b", "b");
    assertThat(h.get("edit").getStatus().steps.get(0).output.toString()).isEqualTo(before);
  }

  @Test
  void largeOutputsGoToConfigMapsOwnedByTheTask() {
    start(null);
    h.apply(
        "big",
        OperatorHarness.fastPolicy()
            + "  steps:\n    - name: fetch\n      http: {url: 'SIM/items?count=300'}\n"
            + "    - name: count\n      llm: {endpoint: 'SIM/v1', model: gpt-4o, messages: [{role: user, content: 'There are {{ size(steps.fetch.output.items) }} items'}]}\n");
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("big")));
    AgentTask t = h.get("big");
    var fetch = t.getStatus().steps.get(0);
    assertThat(fetch.output).isNull();
    assertThat(fetch.outputRef.configMap).isEqualTo("big-fetch-output");
    var cm = client.configMaps().inNamespace("default").withName("big-fetch-output").get();
    assertThat(cm.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getUid()).isEqualTo(t.getMetadata().getUid());
              assertThat(o.getKind()).isEqualTo("AgentTask");
              assertThat(o.getController()).isTrue();
            });
    assertThat(cm.getData().get(fetch.outputRef.key)).contains("Item 300");
    assertThat(sim.requests().get(1).body().toString()).contains("There are 300 items");
    // The finished step's unit holds neither a copy nor a second reference: the step's output is
    // the one record of it, and the only ConfigMap.
    var unit = t.getStatus().checkpoint.steps.get(0).units.get(0);
    assertThat(unit.phase).isEqualTo(StepPhase.Succeeded);
    assertThat(unit.output).isNull();
    assertThat(unit.outputRef).isNull();
    assertThat(
            client.configMaps().inNamespace("default").list().getItems().stream()
                .map(c -> c.getMetadata().getName())
                .filter(n -> n.startsWith("big-")))
        .containsExactly("big-fetch-output");
  }

  @Test
  void largeForEachItemOutputsGoToConfigMapsSoTheStatusStaysSmall() {
    start(null);
    h.apply(
        "batch",
        OperatorHarness.fastPolicy()
            + "  inputs: {sizes: [200, 201, 202, 203, 204, 205]}\n"
            + "  steps:\n    - name: each\n      forEach: {items: inputs.sizes, concurrency: 3}\n"
            + "      http: {url: 'SIM/items?count={{ item }}'}\n"
            + "    - name: total\n      llm: {endpoint: 'SIM/v1', model: gpt-4o, messages: [{role: user, content: 'Last: {{ steps.each.output[5].items[204].title }}'}]}\n");
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("batch")));
    AgentTask t = h.get("batch");
    var units = t.getStatus().checkpoint.steps.get(0).units;
    assertThat(units).hasSize(6);
    // Items checkpointed while the step ran went to their own ConfigMaps; once the step succeeded
    // its units hold no copy, and the step's output (all six) is in the step's ConfigMap.
    assertThat(units).extracting(u -> u.output).containsOnlyNulls();
    assertThat(units).filteredOn(u -> u.outputRef != null).isNotEmpty();
    for (var u : units) {
      if (u.outputRef == null) {
        continue;
      }
      assertThat(u.outputRef.configMap).isEqualTo("batch-each." + u.index + ".output");
      var cm = client.configMaps().inNamespace("default").withName(u.outputRef.configMap).get();
      assertThat(cm.getData().get("output.json")).contains("Item " + (200 + u.index) + "\"");
      assertThat(cm.getMetadata().getOwnerReferences().get(0).getUid())
          .isEqualTo(t.getMetadata().getUid());
    }
    assertThat(t.getStatus().steps.get(0).outputRef.configMap).isEqualTo("batch-each-output");
    String all =
        client
            .configMaps()
            .inNamespace("default")
            .withName("batch-each-output")
            .get()
            .getData()
            .get("output.json");
    for (int i = 0; i < 6; i++) {
      assertThat(all).contains("Item " + (200 + i) + "\"");
    }
    assertThat(sim.requests().get(6).body().toString()).contains("Last: Item 205");
    // Six outputs of ~6 KiB each, yet the status stays small.
    assertThat(Json.write(t.getStatus()).length()).isLessThan(12_000);
  }

  @Test
  void loopbackIsRefusedUnlessEgressAllowNamesIt() {
    sim = LlmSimulator.builder().port(0).build().start();
    h = new OperatorHarness(client, sim);
    // A host glob for a public provider does not open the loopback simulator.
    h.startOperator(false, java.util.List.of(), java.util.List.of("api.openai.com"));
    // No Secret in this step: with one, the Secret's https rule would refuse first (also sending
    // nothing), and this test is about the egress guard.
    h.apply(
        "egress",
        OperatorHarness.fastPolicy()
            + "  steps:\n    - name: a\n      http: {url: 'SIM/items?count=1'}\n");
    // Generous bounds, polled, no sleeps: the second half restarts the operator, and a loaded
    // machine once took over 60 s for both halves together.
    await("egress task Failed")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> "Failed".equals(h.phase("egress")));
    var error = h.get("egress").getStatus().steps.get(0).lastError;
    assertThat(error.reason).isEqualTo("EgressDenied");
    assertThat(error.message).contains("127.0.0.1", "loopback", "--egress-allow");
    assertThat(sim.requests()).isEmpty();

    h.stopOperator();
    h.startOperator(false, java.util.List.of(), java.util.List.of("127.0.0.1/32"));
    h.apply(
        "allowed",
        OperatorHarness.fastPolicy()
            + "  steps:\n    - name: a\n      http: {url: 'SIM/items?count=1'}\n");
    await("allowed task Succeeded")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> "Succeeded".equals(h.phase("allowed")));
    assertThat(sim.requests()).hasSize(1);
  }
}
