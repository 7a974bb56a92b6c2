package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import dev.steadfast.tracing.TraceIds;
import dev.steadfast.tracing.Tracing;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The operator with tracing, on the mock API server with the simulator: the task's spans form one
 * tree (task → steps → attempts) whose trace id comes from the task's uid, the step spans carry the
 * times of the checkpoint (a step spans several reconciles), failed attempts their tier and reason,
 * and each model call the traceparent of its attempt span.
 */
@EnableKubernetesMockClient(crud = true)
class TracingIT {
  static final AttributeKey<String> UID = AttributeKey.stringKey("steadfast.task.uid");
  static final AttributeKey<String> REASON = AttributeKey.stringKey("steadfast.failure.reason");
  static final AttributeKey<String> TIER = AttributeKey.stringKey("steadfast.failure.tier");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("steadfast.attempt");

  static KubernetesClient client;
  LlmSimulator sim;
  OperatorHarness h;
  InMemorySpanExporter spans = InMemorySpanExporter.create();
  Tracing tracing = Tracing.exportingTo(spans);

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
    tracing.close();
    if (sim != null) {
      sim.stop();
    }
    client.resources(AgentTask.class).inAnyNamespace().delete();
  }

  @Test
  void aTaskIsOneTraceOfStepsAndAttemptsAndEachCallCarriesItsAttemptSpan() {
    // The first call to step b's model fails with a 500; its retry succeeds.
    sim = LlmSimulator.builder().port(0).schedule("500", 1, 1, "gpt-4o-mini").build().start();
    h = new OperatorHarness(client, sim);
    h.tracing = tracing;
    h.startOperator();
    h.apply(
        "traced",
        OperatorHarness.fastPolicy()
            + "  steps:\n"
            + OperatorHarness.llmStep("a", "gpt-4o", "")
            + OperatorHarness.llmStep("b", "gpt-4o-mini", ""));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("traced")));
    AgentTask task = h.get("traced");
    String uid = task.getMetadata().getUid();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> names(spans.getFinishedSpanItems()).contains("task default/traced"));

    List<SpanData> all = spans.getFinishedSpanItems();
    assertThat(all)
        .extracting(SpanData::getName)
        .containsExactlyInAnyOrder(
            "task default/traced", "step a", "step b", "attempt a", "attempt b", "attempt b");
    assertThat(all).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(TraceIds.traceId(uid)));
    assertThat(all).allSatisfy(s -> assertThat(s.getAttributes().get(UID)).isEqualTo(uid));
    Map<String, SpanData> byName =
        all.stream().collect(Collectors.toMap(SpanData::getName, Function.identity(), (x, y) -> x));
    SpanData root = byName.get("task default/traced");
    assertThat(root.getSpanId()).isEqualTo(TraceIds.taskSpanId(uid));
    assertThat(root.getParentSpanContext().isValid()).isFalse();
    for (int i = 0; i < 2; i++) {
      String step = task.getStatus().steps.get(i).name;
      SpanData s = byName.get("step " + step);
      assertThat(s.getParentSpanId()).isEqualTo(root.getSpanId());
      assertThat(Instant.ofEpochSecond(0, s.getStartEpochNanos()))
          .as("the step's start is the checkpoint's, not the reconcile's that ended it")
          .isEqualTo(Instant.parse(task.getStatus().steps.get(i).startedAt));
      assertThat(Instant.ofEpochSecond(0, s.getEndEpochNanos()))
          .isEqualTo(Instant.parse(task.getStatus().steps.get(i).completedAt));
      assertThat(all)
          .filteredOn(a -> a.getName().equals("attempt " + step))
          .allSatisfy(a -> assertThat(a.getParentSpanId()).isEqualTo(s.getSpanId()));
    }
    List<SpanData> attemptsOfB =
        all.stream()
            .filter(a -> a.getName().equals("attempt b"))
            .sorted((x, y) -> Long.compare(x.getStartEpochNanos(), y.getStartEpochNanos()))
            .toList();
    assertThat(attemptsOfB.get(0).getAttributes().get(ATTEMPT)).isEqualTo(1L);
    assertThat(attemptsOfB.get(0).getAttributes().get(TIER)).isEqualTo("Transient");
    assertThat(attemptsOfB.get(0).getAttributes().get(REASON)).isEqualTo("ServerError");
    assertThat(attemptsOfB.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(attemptsOfB.get(1).getAttributes().get(ATTEMPT)).isEqualTo(2L);
    assertThat(attemptsOfB.get(1).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

    Set<String> attemptIds =
        all.stream()
            .filter(a -> a.getName().startsWith("attempt "))
            .map(SpanData::getSpanId)
            .collect(Collectors.toSet());
    assertThat(sim.requests()).hasSize(3);
    for (RecordedRequest r : sim.requests()) {
      String[] tp = r.traceparent().split("-");
      assertThat(tp[1]).isEqualTo(TraceIds.traceId(uid));
      assertThat(attemptIds).contains(tp[2]);
    }
  }

  @Test
  void aTraceContinuesAcrossAnOperatorRestart() {
    // Each call takes 1.5 s, long enough to stop the first operator while step b's is in flight.
    sim = LlmSimulator.builder().port(0).latency(Duration.ofMillis(1500)).build().start();
    h = new OperatorHarness(client, sim);
    h.tracing = tracing;
    h.startOperator();
    h.apply(
        "restarted",
        OperatorHarness.fastPolicy().replace("timeout: 3s", "timeout: 10s")
            + "  steps:\n"
            + OperatorHarness.llmStep("a", "gpt-4o", "")
            + OperatorHarness.llmStep("b", "gpt-4o", ""));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              AgentTask t = h.get("restarted");
              return t != null
                  && t.getStatus() != null
                  && t.getStatus().steps.size() == 2
                  && t.getStatus().steps.get(0).phase == dev.steadfast.api.StepPhase.Succeeded
                  && t.getStatus().steps.get(1).phase == dev.steadfast.api.StepPhase.Running;
            });
    h.stopOperator();
    String uid = h.get("restarted").getMetadata().getUid();
    String stepBStartedAt = h.get("restarted").getStatus().steps.get(1).startedAt;

    // A new process: its own SDK and exporter, nothing shared with the first but the status.
    InMemorySpanExporter second = InMemorySpanExporter.create();
    try (Tracing secondTracing = Tracing.exportingTo(second)) {
      h.tracing = secondTracing;
      h.startOperator();
      await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("restarted")));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> names(second.getFinishedSpanItems()).contains("task default/restarted"));
      List<SpanData> before = spans.getFinishedSpanItems();
      List<SpanData> after = second.getFinishedSpanItems();
      System.out.printf(
          "TracingIT restart: first operator %s, second %s%n",
          names(before).stream().sorted().toList(), names(after).stream().sorted().toList());

      assertThat(names(before)).contains("step a", "attempt a");
      assertThat(names(after)).contains("task default/restarted", "step b", "attempt b");
      String traceId = TraceIds.traceId(uid);
      assertThat(before).allSatisfy(x -> assertThat(x.getTraceId()).isEqualTo(traceId));
      assertThat(after).allSatisfy(x -> assertThat(x.getTraceId()).isEqualTo(traceId));

      String taskSpan = TraceIds.taskSpanId(uid);
      SpanData root = one(after, "task default/restarted");
      assertThat(root.getSpanId()).isEqualTo(taskSpan);
      assertThat(one(before, "step a").getParentSpanId()).isEqualTo(taskSpan);
      SpanData stepB = one(after, "step b");
      assertThat(stepB.getParentSpanId()).isEqualTo(taskSpan);
      // Step b started under the first operator: its span id comes from the startedAt that one
      // wrote, and the second operator's attempt of b is its child.
      assertThat(stepB.getSpanId()).isEqualTo(TraceIds.stepSpanId(uid, "b", stepBStartedAt));
      assertThat(after)
          .filteredOn(x -> x.getName().equals("attempt b"))
          .isNotEmpty()
          .allSatisfy(x -> assertThat(x.getParentSpanId()).isEqualTo(stepB.getSpanId()));
    }
  }

  private static SpanData one(List<SpanData> spans, String name) {
    return spans.stream()
        .filter(s -> s.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name + " in " + names(spans)));
  }

  @Test
  void withTracingOffNoCallCarriesATraceparent() {
    sim = LlmSimulator.builder().port(0).build().start();
    h = new OperatorHarness(client, sim);
    h.startOperator();
    h.apply("untraced", "  steps:\n" + OperatorHarness.llmStep("a", "gpt-4o", ""));
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.phase("untraced")));
    assertThat(sim.requests()).hasSize(1);
    assertThat(sim.requests().get(0).traceparent()).isNull();
    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }

  private static Set<String> names(List<SpanData> spans) {
    return spans.stream().map(SpanData::getName).collect(Collectors.toSet());
  }
}
