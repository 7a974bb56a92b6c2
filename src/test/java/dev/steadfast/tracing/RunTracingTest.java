package dev.steadfast.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.TaskRef;
import dev.steadfast.engine.format.Json;
import dev.steadfast.local.LocalSession;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `steadfast run` with tracing, against the simulator: the span tree (task → steps → attempts) with
 * its attributes and failure reasons, and the {@code traceparent} each model and http call carried,
 * naming its attempt span. With tracing off, no call carries one and no SDK thread is started.
 */
class RunTracingTest {
  @TempDir Path dir;
  LlmSimulator sim;
  InMemorySpanExporter spans = InMemorySpanExporter.create();
  Tracing tracing = Tracing.exportingTo(spans);

  @BeforeEach
  void start() {
    sim =
        LlmSimulator.builder()
            .port(0)
            .schedule("500", 1, 1, "gpt-4o") // the first model call fails, the retry succeeds
            .schedule("401", 1, 10, "gpt-4o-mini") // every call of the other model is refused
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    tracing.close();
    sim.stop();
  }

  @Test
  void aTaskIsATraceOfStepsAndAttemptsAndEachCallCarriesItsAttemptSpan() throws Exception {
    // Spans are read before the SDK is closed: closing the in-memory exporter empties it.
    AgentTaskStatus status = run(task("traced", "gpt-4o"), tracing);
    assertThat(status.phase).isEqualTo(TaskPhase.Succeeded);

    List<SpanData> all = spans.getFinishedSpanItems();
    Map<String, List<SpanData>> byName =
        all.stream().collect(Collectors.groupingBy(SpanData::getName));
    assertThat(byName.keySet())
        .containsExactlyInAnyOrder(
            "task default/traced", "step fetch", "step ask", "attempt fetch", "attempt ask");
    SpanData task = byName.get("task default/traced").get(0);
    String runId = status.checkpoint.runId;
    assertThat(task.getTraceId()).isEqualTo(TraceIds.traceId(runId));
    assertThat(task.getSpanId()).isEqualTo(TraceIds.taskSpanId(runId));
    assertThat(task.getParentSpanContext().isValid()).as("the task span is the root").isFalse();
    assertThat(task.getAttributes().get(SdkTracing.PHASE)).isEqualTo("Succeeded");
    assertThat(task.getAttributes().get(SdkTracing.NAMESPACE)).isEqualTo("default");
    assertThat(task.getAttributes().get(SdkTracing.NAME)).isEqualTo("traced");
    assertThat(task.getAttributes().get(SdkTracing.INPUT_TOKENS)).isPositive();
    assertThat(all).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(task.getTraceId()));
    // Times are the checkpoint's, not the moment the span was recorded.
    assertThat(Instant.ofEpochSecond(0, task.getStartEpochNanos()))
        .isEqualTo(Instant.parse(status.startedAt));
    assertThat(Instant.ofEpochSecond(0, task.getEndEpochNanos()))
        .isEqualTo(Instant.parse(status.completedAt));

    SpanData ask = byName.get("step ask").get(0);
    assertThat(ask.getParentSpanId()).isEqualTo(task.getSpanId());
    assertThat(ask.getAttributes().get(SdkTracing.PHASE)).isEqualTo("Succeeded");
    assertThat(ask.getAttributes().get(SdkTracing.ATTEMPTS)).isEqualTo(2L);
    assertThat(Instant.ofEpochSecond(0, ask.getStartEpochNanos()))
        .isEqualTo(Instant.parse(status.steps.get(1).startedAt));
    SpanData fetch = byName.get("step fetch").get(0);
    assertThat(fetch.getParentSpanId()).isEqualTo(task.getSpanId());

    assertThat(byName.get("attempt fetch")).hasSize(1);
    assertThat(byName.get("attempt fetch").get(0).getParentSpanId()).isEqualTo(fetch.getSpanId());
    List<SpanData> attempts =
        byName.get("attempt ask").stream()
            .sorted((a, b) -> Long.compare(a.getStartEpochNanos(), b.getStartEpochNanos()))
            .toList();
    assertThat(attempts).hasSize(2);
    assertThat(attempts)
        .allSatisfy(a -> assertThat(a.getParentSpanId()).isEqualTo(ask.getSpanId()));
    assertThat(attempts).allSatisfy(a -> assertThat(a.getKind()).isEqualTo(SpanKind.CLIENT));
    SpanData failed = attempts.get(0);
    assertThat(failed.getAttributes().get(SdkTracing.ATTEMPT)).isEqualTo(1L);
    assertThat(failed.getAttributes().get(SdkTracing.TIER)).isEqualTo("Transient");
    assertThat(failed.getAttributes().get(SdkTracing.REASON)).isEqualTo("ServerError");
    assertThat(failed.getAttributes().get(SdkTracing.CODE)).isEqualTo(500L);
    assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    SpanData ok = attempts.get(1);
    assertThat(ok.getAttributes().get(SdkTracing.ATTEMPT)).isEqualTo(2L);
    assertThat(ok.getAttributes().get(SdkTracing.MODEL)).isEqualTo("gpt-4o");
    assertThat(ok.getAttributes().get(SdkTracing.OUTPUT_TOKENS)).isPositive();
    assertThat(ok.getAttributes().get(SdkTracing.TIER)).isNull();
    assertThat(ok.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    // No prompt, response or message is kept: only the attributes named above.
    assertThat(all)
        .allSatisfy(
            s ->
                assertThat(s.getAttributes().asMap().keySet())
                    .extracting(AttributeKey::getKey)
                    .allMatch(k -> k.startsWith("steadfast.") || k.startsWith("gen_ai.")));

    // Every call carried the W3C traceparent of the attempt that made it.
    Map<String, SpanData> attemptBySpanId =
        all.stream()
            .filter(s -> s.getName().startsWith("attempt "))
            .collect(Collectors.toMap(SpanData::getSpanId, Function.identity()));
    List<RecordedRequest> requests = sim.requests();
    assertThat(requests).hasSize(3);
    for (RecordedRequest r : requests) {
      assertThat(r.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
      String[] parts = r.traceparent().split("-");
      assertThat(parts[1]).isEqualTo(task.getTraceId());
      assertThat(attemptBySpanId).containsKey(parts[2]);
    }
    assertThat(requests.stream().map(r -> r.traceparent().split("-")[2]).distinct())
        .as("one attempt span per call")
        .hasSize(3);
  }

  @Test
  void aFailedStepAndTaskCarryTheTierAndReason() throws Exception {
    // Spans are read before the SDK is closed: closing the in-memory exporter empties it.
    AgentTaskStatus status = run(task("refused", "gpt-4o-mini"), tracing);
    assertThat(status.phase).isEqualTo(TaskPhase.Failed);
    Map<String, SpanData> byName =
        spans.getFinishedSpanItems().stream()
            .collect(Collectors.toMap(SpanData::getName, Function.identity(), (a, b) -> a));
    for (String name : List.of("task default/refused", "step ask", "attempt ask")) {
      SpanData s = byName.get(name);
      assertThat(s).as(name).isNotNull();
      assertThat(s.getAttributes().get(SdkTracing.TIER)).as(name).isEqualTo("Fatal");
      assertThat(s.getAttributes().get(SdkTracing.REASON)).as(name).isEqualTo("Unauthorized");
      assertThat(s.getStatus().getStatusCode()).as(name).isEqualTo(StatusCode.ERROR);
    }
    assertThat(byName.get("step ask").getAttributes().get(SdkTracing.PHASE)).isEqualTo("Failed");
  }

  @Test
  void withTracingOffNoCallCarriesATraceparentAndNoSdkIsStarted() throws Exception {
    AgentTaskStatus status = run(task("untraced", "gpt-4o"), Tracing.OFF);
    assertThat(status.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(sim.requests()).hasSize(3).allSatisfy(r -> assertThat(r.traceparent()).isNull());
    assertThat(Tracing.OFF.enabled()).isFalse();
    assertThat(Tracing.OFF).isNotInstanceOf(SdkTracing.class);
  }

  private String task(String name, String model) {
    return ("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: NAME}\nspec:\n"
            + "  policy: {retry: {maxAttempts: 3, backoff: {initialDelay: 10ms, maxDelay: 20ms}}}\n"
            + "  steps:\n"
            + "    - name: fetch\n      http: {url: 'SIM/items?count=2'}\n"
            + "    - name: ask\n      llm: {endpoint: 'SIM/v1', model: MODEL, messages: [{role: user, content: 'Count {{ size(steps.fetch.output.items) }}'}]}\n")
        .replace("NAME", name)
        .replace("MODEL", model)
        .replace("SIM", sim.baseUrl());
  }

  private AgentTaskStatus run(String yaml, Tracing tracing) throws Exception {
    AgentTask task = Json.YAML.readValue(yaml, AgentTask.class);
    LocalSession.Options options =
        new LocalSession.Options(dir.resolve("state"), dir.resolve("secrets"), true, false);
    return LocalSession.run(
        TaskRef.local(task),
        options,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        tracing);
  }
}
