package dev.steadfast.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The bounded per-namespace cache of successful outputs that the {@code cache} fallback reads,
 * keyed by step name and resolved-request digest.
 */
public interface ResponseCache {
  Optional<JsonNode> get(String namespace, String key);

  void put(String namespace, String key, JsonNode output);

  /** An in-memory cache keeping the newest {@code capacity} entries per namespace. */
  static ResponseCache inMemory(int capacity) {
    Map<String, Map<String, JsonNode>> byNamespace = new java.util.concurrent.ConcurrentHashMap<>();
    return new ResponseCache() {
      private Map<String, JsonNode> ns(String namespace) {
        return byNamespace.computeIfAbsent(
            String.valueOf(namespace),
            k ->
                java.util.Collections.synchronizedMap(
                    new LinkedHashMap<>(16, 0.75f, true) {
                      @Override
                      protected boolean removeEldestEntry(Map.Entry<String, JsonNode> e) {
                        return size() > capacity;
                      }
                    }));
      }

      @Override
      public Optional<JsonNode> get(String namespace, String key) {
        return Optional.ofNullable(ns(namespace).get(key));
      }

      @Override
      public void put(String namespace, String key, JsonNode output) {
        ns(namespace).put(key, output);
      }
    };
  }
}
