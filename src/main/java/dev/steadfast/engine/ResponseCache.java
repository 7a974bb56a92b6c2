package dev.steadfast.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * The per-namespace cache of successful outputs that the {@code cache} fallback reads, keyed by
 * step name and resolved-request digest. A namespace never reads another's entries.
 */
public interface ResponseCache {
  /** 32 MiB: the operator's cache, all namespaces together. */
  long DEFAULT_BYTES = 32L * 1024 * 1024;

  Optional<JsonNode> get(String namespace, String key);

  void put(String namespace, String key, JsonNode output);

  /** An in-memory cache holding at most {@code maxBytes} of outputs (see {@link BoundedCache}). */
  static ResponseCache inMemory(long maxBytes) {
    return new BoundedCache(maxBytes);
  }
}
