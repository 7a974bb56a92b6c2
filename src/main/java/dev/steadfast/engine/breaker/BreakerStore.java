package dev.steadfast.engine.breaker;

import java.time.Instant;
import java.util.Map;

/** Where breaker states survive a restart: a file locally, a ConfigMap in a cluster. */
public interface BreakerStore {
  /** A breaker's persisted state; {@code openUntil} is set for OPEN. */
  record Snapshot(String state, Instant since, Instant openUntil) {}

  Map<BreakerId, Snapshot> load();

  void save(Map<BreakerId, Snapshot> snapshots);

  /** A store that keeps nothing, for tests. */
  BreakerStore NONE =
      new BreakerStore() {
        @Override
        public Map<BreakerId, Snapshot> load() {
          return Map.of();
        }

        @Override
        public void save(Map<BreakerId, Snapshot> snapshots) {}
      };
}
