package dev.steadfast.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.Json;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The operator's response cache, bounded by bytes rather than entries: outputs range from a few
 * bytes to 768 KiB, so a count bounds nothing. Entries are kept as their JSON text (what is counted
 * is what is held, and no caller can change a cached tree). Over the budget, the least recently
 * used entry of the namespace holding the most bytes goes first: a namespace that floods the cache
 * evicts its own entries before anyone else's.
 */
final class BoundedCache implements ResponseCache {
  // What a key and an entry cost besides the text: map nodes, the String and array headers.
  private static final int OVERHEAD = 128;

  private final long maxBytes;
  private final Map<String, Namespace> namespaces = new HashMap<>();
  private long total;

  /** One namespace's entries in access order, and their size. */
  private static final class Namespace {
    final LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>(16, 0.75f, true);
    long bytes;
  }

  BoundedCache(long maxBytes) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("the response cache needs at least 1 byte");
    }
    this.maxBytes = maxBytes;
  }

  @Override
  public synchronized Optional<JsonNode> get(String namespace, String key) {
    Namespace ns = namespaces.get(String.valueOf(namespace));
    byte[] json = ns == null ? null : ns.entries.get(key);
    return json == null ? Optional.empty() : Optional.of(parse(json));
  }

  @Override
  public void put(String namespace, String key, JsonNode output) {
    // Serialized outside the lock: outputs may be large.
    byte[] json = Json.write(output).getBytes(StandardCharsets.UTF_8);
    long size = cost(key, json);
    synchronized (this) {
      Namespace ns = namespaces.computeIfAbsent(String.valueOf(namespace), k -> new Namespace());
      remove(ns, key);
      if (size > maxBytes) {
        if (ns.entries.isEmpty()) {
          namespaces.remove(String.valueOf(namespace));
        }
        return; // could never be held
      }
      ns.entries.put(key, json);
      ns.bytes += size;
      total += size;
      while (total > maxBytes) {
        evictFromLargest();
      }
    }
  }

  /** Bytes held, for tests and the memory model. */
  synchronized long bytes() {
    return total;
  }

  private void remove(Namespace ns, String key) {
    byte[] old = ns.entries.remove(key);
    if (old != null) {
      long size = cost(key, old);
      ns.bytes -= size;
      total -= size;
    }
  }

  private void evictFromLargest() {
    Map.Entry<String, Namespace> largest = null;
    for (Map.Entry<String, Namespace> e : namespaces.entrySet()) {
      if (largest == null || e.getValue().bytes > largest.getValue().bytes) {
        largest = e;
      }
    }
    Namespace ns = largest.getValue();
    Iterator<Map.Entry<String, byte[]>> eldest = ns.entries.entrySet().iterator();
    Map.Entry<String, byte[]> victim = eldest.next();
    long size = cost(victim.getKey(), victim.getValue());
    eldest.remove();
    ns.bytes -= size;
    total -= size;
    if (ns.entries.isEmpty()) {
      namespaces.remove(largest.getKey());
    }
  }

  private static JsonNode parse(byte[] json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e); // written by Json.write above: cannot happen
    }
  }

  private static long cost(String key, byte[] json) {
    return json.length + 2L * key.length() + OVERHEAD;
  }
}
