package dev.steadfast.local;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.steadfast.engine.Json;
import dev.steadfast.engine.breaker.BreakerStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Breaker states of local runs, in {@code DIR/breakers.json}, shared by tasks run from DIR. */
public final class FileBreakerStore implements BreakerStore {
  private final Path file;

  public FileBreakerStore(Path stateDir) {
    this.file = stateDir.resolve("breakers.json");
  }

  @Override
  public Map<String, Snapshot> load() {
    try {
      return Files.exists(file)
          ? Json.MAPPER.readValue(
              Files.readString(file), new TypeReference<Map<String, Snapshot>>() {})
          : Map.of();
    } catch (IOException e) {
      return Map.of(); // a damaged file only loses breaker history, never the task
    }
  }

  @Override
  public synchronized void save(Map<String, Snapshot> snapshots) {
    FileCheckpointStore.writeAtomically(file, Json.write(snapshots));
  }
}
