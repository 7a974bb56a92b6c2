package dev.steadfast.engine.breaker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steadfast.engine.format.Json;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The persisted form of breaker states, shared by the file and ConfigMap stores: {@code {"version":
 * 2, "namespaces": {"<namespace>": {"<key>": {state, since, openUntil}}}}}. Nesting by namespace
 * keeps keys that contain slashes unambiguous and reads well in {@code kubectl get -o yaml}.
 */
public final class BreakerStates {
  static final int VERSION = 2;

  private BreakerStates() {}

  public static String write(Map<BreakerId, BreakerStore.Snapshot> snapshots) {
    Map<String, Map<String, BreakerStore.Snapshot>> byNamespace = new TreeMap<>();
    snapshots.forEach(
        (id, s) ->
            byNamespace.computeIfAbsent(id.namespace(), n -> new TreeMap<>()).put(id.key(), s));
    ObjectNode root = Json.MAPPER.createObjectNode().put("version", VERSION);
    root.set("namespaces", Json.tree(byNamespace));
    return Json.write(root);
  }

  /**
   * The states in {@code text}. Anything else — the unscoped map of earlier versions (whose
   * breakers cannot be given to a namespace, so they start closed again), a damaged document —
   * reads as no states: losing breaker history costs a few calls, never a task.
   */
  public static Map<BreakerId, BreakerStore.Snapshot> read(String text) {
    Map<BreakerId, BreakerStore.Snapshot> out = new HashMap<>();
    try {
      JsonNode root = Json.MAPPER.readTree(text);
      if (root == null
          || !root.path("version").isInt()
          || root.path("version").asInt() != VERSION
          || !root.path("namespaces").isObject()) {
        return out;
      }
      root.path("namespaces")
          .fields()
          .forEachRemaining(
              ns ->
                  ns.getValue()
                      .fields()
                      .forEachRemaining(
                          k -> {
                            BreakerStore.Snapshot s = snapshot(k.getValue());
                            if (s != null) {
                              out.put(new BreakerId(ns.getKey(), k.getKey()), s);
                            }
                          }));
    } catch (Exception e) {
      return new HashMap<>();
    }
    return out;
  }

  private static BreakerStore.Snapshot snapshot(JsonNode node) {
    try {
      BreakerStore.Snapshot s = Json.convert(node, BreakerStore.Snapshot.class);
      return s == null || s.state() == null ? null : s;
    } catch (RuntimeException e) {
      return null; // one damaged entry loses that breaker's history only
    }
  }
}
