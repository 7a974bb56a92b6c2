package dev.steadfast.local;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.ResponseCache;
import dev.steadfast.engine.format.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The response cache of local runs: {@code DIR/cache/<namespace>.json}, newest 256 entries. */
public final class FileResponseCache implements ResponseCache {
  /** The directory's name in the state dir. */
  static final String DIR = "cache";

  private static final int CAPACITY = 256;
  private static final java.util.regex.Pattern DNS_LABEL =
      java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  // Insertion order is the eviction order, so map keys must not be sorted on write.
  private static final com.fasterxml.jackson.databind.ObjectWriter WRITER =
      Json.MAPPER
          .writer()
          .without(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
  private final Path dir;

  public FileResponseCache(Path stateDir) {
    this.dir = stateDir.resolve(DIR);
  }

  @Override
  public synchronized Optional<JsonNode> get(String namespace, String key) {
    return Optional.ofNullable(read(namespace).get(key));
  }

  @Override
  public synchronized void put(String namespace, String key, JsonNode output) {
    LinkedHashMap<String, JsonNode> entries = read(namespace);
    entries.remove(key);
    entries.put(key, output);
    while (entries.size() > CAPACITY) {
      entries.remove(entries.keySet().iterator().next());
    }
    try {
      FileCheckpointStore.writeAtomically(file(namespace), WRITER.writeValueAsString(entries));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Path file(String namespace) {
    String ns = namespace == null ? "default" : namespace;
    // A local task file may name any namespace: only a DNS label is used as a file name as is, so
    // none can leave the cache directory or share another namespace's file.
    String name =
        DNS_LABEL.matcher(ns).matches() ? ns : "ns-" + Json.sha256Hex(ns).substring(0, 32);
    return dir.resolve(name + ".json");
  }

  private LinkedHashMap<String, JsonNode> read(String namespace) {
    Path f = file(namespace);
    try {
      if (Files.exists(f)) {
        return Json.MAPPER.readValue(
            Files.readString(f), new TypeReference<LinkedHashMap<String, JsonNode>>() {});
      }
    } catch (IOException e) {
      // a damaged cache is an empty cache
    }
    return new LinkedHashMap<>(Map.of());
  }
}
