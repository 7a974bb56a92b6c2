package dev.steadfast.simulator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The requests received, in arrival order, shared between handler threads and tests. */
final class RequestLog {
  private final List<RecordedRequest> entries = new ArrayList<>();

  synchronized void add(RecordedRequest request) {
    entries.add(request);
  }

  /** A copy sorted by sequence: handler threads may finish in another order than they arrived. */
  synchronized List<RecordedRequest> snapshot() {
    List<RecordedRequest> copy = new ArrayList<>(entries);
    copy.sort(Comparator.comparingLong(RecordedRequest::sequence));
    return List.copyOf(copy);
  }

  synchronized void clear() {
    entries.clear();
  }
}
