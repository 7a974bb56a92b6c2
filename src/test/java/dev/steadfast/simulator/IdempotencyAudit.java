package dev.steadfast.simulator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a simulator's request log for the kill suites. Keys are {@code <run>/<step>/<item>/<n>}; a
 * unit is {@code <run>/<step>/<item>}. The simulator does not replay answers by key, so a re-sent
 * attempt can meet a fault and be followed by a new attempt; what must never happen is a new key
 * right after a 200: that is a unit whose success the runner knew of being run again.
 */
public final class IdempotencyAudit {
  /** Units whose 200 was followed by a request with another key. */
  public final List<String> reRun = new ArrayList<>();

  /** Units that got at least one 200. */
  public final List<String> succeeded = new ArrayList<>();

  /** Requests that carried a key already sent before (a re-send after a kill). */
  public int resent;

  public IdempotencyAudit(List<RecordedRequest> requests) {
    Map<String, List<RecordedRequest>> byUnit = new LinkedHashMap<>();
    for (RecordedRequest r : requests) {
      String key = r.idempotencyKey();
      if (key != null && key.lastIndexOf('/') > 0) {
        byUnit
            .computeIfAbsent(key.substring(0, key.lastIndexOf('/')), u -> new ArrayList<>())
            .add(r);
      }
    }
    byUnit.forEach(
        (unit, sent) -> {
          boolean ok = false;
          boolean rerun = false;
          java.util.Set<String> seen = new java.util.HashSet<>();
          RecordedRequest previous = null;
          for (RecordedRequest r : sent) {
            if (!seen.add(r.idempotencyKey())) {
              resent++;
            }
            if (previous != null
                && previous.status() == 200
                && !previous.idempotencyKey().equals(r.idempotencyKey())) {
              rerun = true;
            }
            ok |= r.status() == 200;
            previous = r;
          }
          if (ok) {
            succeeded.add(unit);
          }
          if (rerun) {
            reRun.add(unit + ": " + sent.stream().map(IdempotencyAudit::describe).toList());
          }
        });
  }

  private static String describe(RecordedRequest r) {
    String key = r.idempotencyKey();
    return "#" + r.sequence() + " " + key.substring(key.lastIndexOf('/') + 1) + " " + r.status();
  }
}
