package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The request log as a file a user can read: one JSON object per line and request, written as the
 * request is decided. Only the fields of {@link RecordedRequest} that say what a policy sent are
 * written; never headers other than the Idempotency-Key, never bodies (they may quote credentials
 * or customer data).
 */
final class RequestLogFile implements AutoCloseable {
  private final Path path;
  private Writer out;

  /** Creates or truncates {@code path}; fails at start, not at the first request. */
  RequestLogFile(Path path) {
    this.path = path;
    this.out = open(path);
  }

  synchronized void append(RecordedRequest request, Instant time) {
    ObjectNode line = Json.object();
    line.put("sequence", request.sequence());
    line.put("time", time.toString());
    line.put("path", request.path());
    line.put("api", request.api());
    line.put("model", request.model());
    line.put("idempotencyKey", request.idempotencyKey());
    line.put("fault", request.fault());
    line.put("status", request.status());
    if (request.inputTokens() != null) {
      line.put("inputTokens", request.inputTokens());
      line.put("outputTokens", request.outputTokens());
    }
    try {
      out.write(Json.write(line));
      out.write('\n');
      // Flushed per line so `tail -f` and a test reading the file see each request at once.
      out.flush();
    } catch (IOException e) {
      // A full disk must not turn into a fault the simulator did not mean to inject.
    }
  }

  /** Empties the file, as {@link LlmSimulator#reset()} empties the in-memory log. */
  synchronized void truncate() {
    close();
    out = open(path);
  }

  @Override
  public synchronized void close() {
    try {
      out.close();
    } catch (IOException e) {
      // Nothing left to save.
    }
  }

  private static Writer open(Path path) {
    try {
      return Files.newBufferedWriter(
          path,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the request log " + path, e);
    }
  }
}
