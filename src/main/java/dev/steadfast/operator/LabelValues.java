package dev.steadfast.operator;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the metric label values that tenants choose: a model name, the reason of a classify rule
 * of their own, an endpoint host. Each label keeps at most {@link #LIMIT} values per namespace (per
 * scope); later ones are counted as {@value #OTHER}. A tenant who names a new model in every task
 * would otherwise add series to the operator's metrics, and to the Prometheus that scrapes them,
 * without bound.
 */
final class LabelValues {
  static final int LIMIT = 100;
  static final String OTHER = "other";

  private final Map<List<String>, Set<String>> seen = new ConcurrentHashMap<>();

  /**
   * {@code value}, or {@value #OTHER} when {@code label} already has its values in {@code scope}.
   */
  String of(String label, String scope, String value) {
    Set<String> values =
        seen.computeIfAbsent(List.of(label, scope), k -> ConcurrentHashMap.newKeySet());
    if (values.contains(value)) {
      return value;
    }
    synchronized (values) {
      if (values.size() < LIMIT) {
        values.add(value);
        return value;
      }
    }
    return OTHER;
  }
}
