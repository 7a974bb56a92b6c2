package dev.steadfast.tracing;

import io.opentelemetry.sdk.trace.IdGenerator;

/**
 * Random ids, except for a span started inside {@link #pin}: the SDK asks its id generator for a
 * new span's ids and has no other way to be given them, and task and step spans need the ids {@link
 * TraceIds} derives.
 */
final class PinnedIds implements IdGenerator {
  private static final ThreadLocal<String[]> PINNED = new ThreadLocal<>();
  private final IdGenerator random = IdGenerator.random();

  /** Runs {@code start} with the next trace id (null: random) and span id pinned. */
  <T> T pin(String traceId, String spanId, java.util.function.Supplier<T> start) {
    PINNED.set(new String[] {traceId, spanId});
    try {
      return start.get();
    } finally {
      PINNED.remove();
    }
  }

  @Override
  public String generateSpanId() {
    String[] p = PINNED.get();
    return p == null || p[1] == null ? random.generateSpanId() : p[1];
  }

  @Override
  public String generateTraceId() {
    String[] p = PINNED.get();
    return p == null || p[0] == null ? random.generateTraceId() : p[0];
  }
}
