package dev.steadfast.simulator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The requests received, in arrival order, shared between handler threads and tests. */
final class RequestLog implements AutoCloseable {
  private final List<RecordedRequest> entries = new ArrayList<>();
  private final RequestLogFile file;

  /**
   * @param file where each request is also written as a JSON line, or null
   */
  RequestLog(RequestLogFile file) {
    this.file = file;
  }

  synchronized void add(RecordedRequest request, Instant time) {
    entries.add(request);
    if (file != null) {
      file.append(request, time);
    }
  }

  /** A copy sorted by sequence: handler threads may finish in another order than they arrived. */
  synchronized List<RecordedRequest> snapshot() {
    List<RecordedRequest> copy = new ArrayList<>(entries);
    copy.sort(Comparator.comparingLong(RecordedRequest::sequence));
    return List.copyOf(copy);
  }

  synchronized void clear() {
    entries.clear();
    if (file != null) {
      file.truncate();
    }
  }

  @Override
  public synchronized void close() {
    if (file != null) {
      file.close();
    }
  }
}
