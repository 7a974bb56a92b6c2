package dev.steadfast.local;

import dev.steadfast.engine.breaker.BreakerId;
import dev.steadfast.engine.breaker.BreakerStates;
import dev.steadfast.engine.breaker.BreakerStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Breaker states of local runs, in {@code DIR/breakers.json} by namespace and key (see {@link
 * BreakerStates}), shared by tasks run from DIR.
 */
public final class FileBreakerStore implements BreakerStore {
  /** The file's name in the state dir. */
  static final String FILE = "breakers.json";

  private final Path file;

  public FileBreakerStore(Path stateDir) {
    this.file = stateDir.resolve(FILE);
  }

  @Override
  public Map<BreakerId, Snapshot> load() {
    try {
      return Files.exists(file) ? BreakerStates.read(Files.readString(file)) : Map.of();
    } catch (IOException e) {
      return Map.of(); // a damaged file only loses breaker history, never the task
    }
  }

  @Override
  public synchronized void save(Map<BreakerId, Snapshot> snapshots) {
    FileCheckpointStore.writeAtomically(file, BreakerStates.write(snapshots));
  }
}
