package dev.steadfast.tracing;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.Usage;
import dev.steadfast.engine.Attempt;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.exec.TokenUsage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Tracing with the OpenTelemetry SDK. Only what the spans say is recorded: names, ids, tiers,
 * reasons, models, token counts. Never a prompt, a response, a header value or a failure message,
 * which may quote what a secret resolved to.
 */
final class SdkTracing implements Tracing {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Tracing.class);
  static final AttributeKey<String> NAMESPACE = AttributeKey.stringKey("steadfast.task.namespace");
  static final AttributeKey<String> NAME = AttributeKey.stringKey("steadfast.task.name");
  static final AttributeKey<String> UID = AttributeKey.stringKey("steadfast.task.uid");
  static final AttributeKey<String> PHASE = AttributeKey.stringKey("steadfast.phase");
  static final AttributeKey<String> STEP = AttributeKey.stringKey("steadfast.step");
  static final AttributeKey<Long> ITEM = AttributeKey.longKey("steadfast.item");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("steadfast.attempt");
  static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("steadfast.attempts");
  static final AttributeKey<String> FALLBACK = AttributeKey.stringKey("steadfast.fallback");
  static final AttributeKey<String> TIER = AttributeKey.stringKey("steadfast.failure.tier");
  static final AttributeKey<String> REASON = AttributeKey.stringKey("steadfast.failure.reason");
  static final AttributeKey<Long> CODE = AttributeKey.longKey("steadfast.failure.code");
  // The OpenTelemetry GenAI semantic conventions' names, so a gateway's spans and ours agree.
  static final AttributeKey<String> MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> OUTPUT_TOKENS =
      AttributeKey.longKey("gen_ai.usage.output_tokens");

  private final SdkTracerProvider provider;
  private final Tracer tracer;
  private final PinnedIds ids = new PinnedIds();
  private final QuietExporter exporter; // null: an exporter of the caller's (tests)

  private SdkTracing(SpanProcessor processor, String serviceName, QuietExporter exporter) {
    this.exporter = exporter;
    this.provider =
        SdkTracerProvider.builder()
            .setIdGenerator(ids)
            .setResource(
                Resource.getDefault()
                    .merge(
                        Resource.create(
                            Attributes.of(AttributeKey.stringKey("service.name"), serviceName))))
            .addSpanProcessor(processor)
            .build();
    this.tracer = provider.get("dev.steadfast");
  }

  static Tracing otlp(String endpoint, Map<String, String> headers, String serviceName) {
    String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    // The SDK's defaults (10 s per export, 5 attempts with backoff) let a collector that is down
    // hold a batch, and the exit that flushes it, for about 20 s; spans are worth less than that.
    // A batch that fails twice is dropped and told of (QuietExporter); later batches try again.
    OtlpHttpSpanExporterBuilder exporter =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(base + "/v1/traces")
            .setConnectTimeout(EXPORT_TIMEOUT)
            .setTimeout(EXPORT_TIMEOUT)
            .setRetryPolicy(
                RetryPolicy.builder()
                    .setMaxAttempts(2)
                    .setInitialBackoff(Duration.ofMillis(200))
                    .build());
    headers.forEach(exporter::addHeader);
    QuietExporter quiet = new QuietExporter(exporter.build(), base, LOG::warn);
    return new SdkTracing(
        BatchSpanProcessor.builder(quiet).setExporterTimeout(EXPORT_TIMEOUT).build(),
        serviceName,
        quiet);
  }

  /** Spans handed to {@code exporter} as each ends (tests: the SDK's in-memory exporter). */
  static Tracing exportingTo(SpanExporter exporter) {
    return new SdkTracing(SimpleSpanProcessor.create(exporter), "steadfast", null);
  }

  @Override
  public boolean enabled() {
    return true;
  }

  @Override
  public Executor attempt(
      TracedTask task, String stepStartedAt, Attempt attempt, Executor executor) {
    Context parent = parent(task, TraceIds.stepSpanId(task.key(), attempt.step(), stepStartedAt));
    return request -> {
      SpanBuilder b =
          tracer
              .spanBuilder("attempt " + attempt.step())
              .setParent(parent)
              .setSpanKind(SpanKind.CLIENT);
      taskAttributes(b, task);
      b.setAttribute(STEP, attempt.step());
      b.setAttribute(ATTEMPT, (long) attempt.number());
      if (attempt.item() != null) {
        b.setAttribute(ITEM, attempt.item().longValue());
      }
      if (attempt.fallback() != null) {
        b.setAttribute(FALLBACK, attempt.fallback());
      }
      String model = model(request.call());
      if (model != null) {
        b.setAttribute(MODEL, model);
      }
      Span span = b.startSpan();
      try (Scope ignored = span.makeCurrent()) {
        Outcome outcome = executor.execute(request);
        usage(span, outcome.usage());
        if (outcome instanceof Outcome.Failed f) {
          span.setAttribute(TIER, f.failure().tier().name());
          span.setAttribute(REASON, f.failure().reason());
          if (f.failure().code() != null) {
            span.setAttribute(CODE, f.failure().code().longValue());
          }
          span.setStatus(StatusCode.ERROR, f.failure().tier() + " " + f.failure().reason());
        }
        return outcome;
      } finally {
        span.end();
      }
    };
  }

  @Override
  public void finished(TracedTask task, Finished before, AgentTaskStatus after) {
    for (StepStatus s : after.steps) {
      if (s.phase != null && s.phase.isFinal() && !before.steps().contains(Finished.key(s))) {
        step(task, s);
      }
    }
    if (after.phase != null && after.phase.isFinal() && !before.task()) {
      taskSpan(task, after);
    }
  }

  private void step(TracedTask task, StepStatus s) {
    SpanBuilder b =
        tracer
            .spanBuilder("step " + s.name)
            .setParent(parent(task, TraceIds.taskSpanId(task.key())))
            .setStartTimestamp(time(s.startedAt, s.completedAt));
    taskAttributes(b, task);
    b.setAttribute(STEP, s.name);
    b.setAttribute(PHASE, s.phase.name());
    if (s.attempts != null) {
      b.setAttribute(ATTEMPTS, s.attempts.longValue());
    }
    if (s.fallback != null) {
      b.setAttribute(FALLBACK, s.fallback);
    }
    Span span =
        ids.pin(null, TraceIds.stepSpanId(task.key(), s.name, s.startedAt), () -> b.startSpan());
    usage(span, s.usage);
    if (s.phase == dev.steadfast.api.StepPhase.Failed && s.lastError != null) {
      failure(span, s.lastError.tier, s.lastError.reason);
    }
    span.end(time(s.completedAt, null));
  }

  private void taskSpan(TracedTask task, AgentTaskStatus status) {
    SpanBuilder b =
        tracer
            .spanBuilder("task " + task.namespace() + "/" + task.name())
            .setNoParent()
            .setStartTimestamp(time(status.startedAt, status.completedAt));
    taskAttributes(b, task);
    b.setAttribute(PHASE, status.phase.name());
    if (status.attempts != null) {
      b.setAttribute(ATTEMPTS, status.attempts.longValue());
    }
    Span span =
        ids.pin(TraceIds.traceId(task.key()), TraceIds.taskSpanId(task.key()), () -> b.startSpan());
    usage(span, status.usage);
    if (status.phase == dev.steadfast.api.TaskPhase.Failed) {
      StepStatus failed =
          status.steps.stream()
              .filter(s -> s.phase == dev.steadfast.api.StepPhase.Failed && s.lastError != null)
              .findFirst()
              .orElse(null);
      if (failed != null) {
        failure(span, failed.lastError.tier, failed.lastError.reason);
      } else {
        span.setStatus(StatusCode.ERROR);
      }
    }
    span.end(time(status.completedAt, null));
  }

  private static void failure(Span span, dev.steadfast.api.Tier tier, String reason) {
    if (tier != null) {
      span.setAttribute(TIER, tier.name());
    }
    if (reason != null) {
      span.setAttribute(REASON, reason);
    }
    span.setStatus(StatusCode.ERROR, tier + " " + reason);
  }

  /** A span context of the trace, as the parent of a span: the task's or a step's span. */
  private static Context parent(TracedTask task, String spanId) {
    return Context.root()
        .with(
            Span.wrap(
                SpanContext.create(
                    TraceIds.traceId(task.key()),
                    spanId,
                    TraceFlags.getSampled(),
                    TraceState.getDefault())));
  }

  private static void taskAttributes(SpanBuilder b, TracedTask task) {
    b.setAttribute(NAMESPACE, task.namespace());
    b.setAttribute(NAME, task.name());
    if (task.uid() != null) {
      b.setAttribute(UID, task.uid());
    }
  }

  private static String model(Call call) {
    if (call instanceof Call.LlmCall llm) {
      return llm.model();
    }
    if (call instanceof Call.AgentCall agent && agent.llm() != null) {
      return agent.llm().model();
    }
    return null;
  }

  private static void usage(Span span, TokenUsage usage) {
    if (usage != null) {
      span.setAttribute(INPUT_TOKENS, usage.inputTokens());
      span.setAttribute(OUTPUT_TOKENS, usage.outputTokens());
    }
  }

  private static void usage(Span span, Usage usage) {
    if (usage != null && usage.inputTokens != null) {
      span.setAttribute(INPUT_TOKENS, usage.inputTokens);
    }
    if (usage != null && usage.outputTokens != null) {
      span.setAttribute(OUTPUT_TOKENS, usage.outputTokens);
    }
  }

  /** A checkpoint time; when absent or unreadable, the other one, else now. */
  private static Instant time(String at, String otherwise) {
    for (String s : new String[] {at, otherwise}) {
      if (s != null) {
        try {
          return Instant.parse(s);
        } catch (DateTimeParseException e) {
          // fall through
        }
      }
    }
    return Instant.now();
  }

  /**
   * How long closing waits for the last spans to be exported: a collector that is down or slow must
   * not hold `steadfast run`'s exit or the operator's shutdown.
   */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

  /** How long one export may take, connecting included. */
  static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(2);

  @Override
  public void close() {
    CompletableResultCode done =
        provider.shutdown().join(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (exporter != null && !done.isDone()) {
      // Unreachable, or slow to connect or answer: either way nothing was taken in time.
      exporter.failed("not reached within " + CLOSE_TIMEOUT.toSeconds() + " s");
    }
  }
}
