package dev.steadfast.tracing;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.engine.Attempt;
import dev.steadfast.engine.exec.Executor;
import java.util.Map;

/**
 * OpenTelemetry traces of tasks (docs/tracing.md): a span per task, per step and per attempt. Off
 * unless an OTLP endpoint is given, and then nothing of the SDK is loaded or started: {@link #OFF}
 * hands executors back unchanged and records nothing.
 *
 * <p>Spans live at the drivers' edge, never in the engine: an attempt span is started around the
 * executor call (and is the current span while it runs, so the transport sends its {@code
 * traceparent}); step and task spans are recorded when a checkpoint shows the step or task
 * finished, with the start and end times the checkpoint holds, since a step outlives the many
 * reconciles (and possibly the operator process) that drive it.
 */
public interface Tracing extends AutoCloseable {
  /** No tracing: no SDK, no spans, no {@code traceparent}. */
  Tracing OFF = new Off();

  /**
   * Traces exported over OTLP/HTTP (protobuf).
   *
   * @param endpoint the collector's base URL ({@code http://collector:4318}); spans go to {@code
   *     /v1/traces} under it, as with {@code OTEL_EXPORTER_OTLP_ENDPOINT}
   * @param headers sent with every export (an authorization header, say); never logged
   * @param serviceName the {@code service.name} of the spans
   */
  static Tracing otlp(String endpoint, Map<String, String> headers, String serviceName) {
    return SdkTracing.otlp(endpoint, headers, serviceName);
  }

  /**
   * Spans handed to {@code exporter} as each ends, in the caller's thread: tests, with the SDK's
   * in-memory exporter.
   */
  static Tracing exportingTo(io.opentelemetry.sdk.trace.export.SpanExporter exporter) {
    return SdkTracing.exportingTo(exporter);
  }

  /** Whether spans are recorded at all. */
  boolean enabled();

  /**
   * The executor for one attempt: {@code executor} itself when off, else one that runs the attempt
   * inside its span, a child of the step's span.
   *
   * @param stepStartedAt the step's startedAt in the checkpoint, part of the step span's id
   */
  Executor attempt(TracedTask task, String stepStartedAt, Attempt attempt, Executor executor);

  /** Records the spans of the steps, and of the task, that finished between the two checkpoints. */
  void finished(TracedTask task, Finished before, AgentTaskStatus after);

  /** Exports what is buffered and stops the exporter. */
  @Override
  void close();

  /** The disabled tracing. */
  final class Off implements Tracing {
    private Off() {}

    @Override
    public boolean enabled() {
      return false;
    }

    @Override
    public Executor attempt(
        TracedTask task, String stepStartedAt, Attempt attempt, Executor executor) {
      return executor;
    }

    @Override
    public void finished(TracedTask task, Finished before, AgentTaskStatus after) {}

    @Override
    public void close() {}
  }
}
