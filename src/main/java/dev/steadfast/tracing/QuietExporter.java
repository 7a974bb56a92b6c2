package dev.steadfast.tracing;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;

/**
 * The OTLP exporter, telling of a collector it cannot reach in one line, once per outage, instead
 * of the SDK's own warning with its stack trace at every failed batch. The line names the collector
 * by the URL the user gave, never a header (which may carry a token).
 */
final class QuietExporter implements SpanExporter {
  // JUL holds its loggers weakly: a level set on one nobody references is forgotten.
  private static final java.util.logging.Logger SDK_EXPORTER_LOG =
      java.util.logging.Logger.getLogger("io.opentelemetry.exporter");

  private final SpanExporter delegate;
  private final String collector;
  private final Consumer<String> warn;
  private final AtomicBoolean failing = new AtomicBoolean();

  QuietExporter(SpanExporter delegate, String collector, Consumer<String> warn) {
    SDK_EXPORTER_LOG.setLevel(Level.OFF);
    this.delegate = delegate;
    this.collector = collector;
    this.warn = warn;
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    CompletableResultCode result = delegate.export(spans);
    result.whenComplete(
        () -> {
          if (result.isSuccess()) {
            failing.set(false); // the next outage is told again
          } else {
            // No throwable: the collector answered, with an error status.
            failed(result.getFailureThrowable() == null ? "refused them" : "unreachable");
          }
        });
    return result;
  }

  /**
   * Tells of spans that could not be exported, unless this outage was told already.
   *
   * @param why what the collector did: "unreachable", "not reached within 2 s", ...
   */
  void failed(String why) {
    if (failing.compareAndSet(false, true)) {
      warn.accept("traces not exported: collector at " + collector + " " + why);
    }
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return delegate.shutdown();
  }
}
