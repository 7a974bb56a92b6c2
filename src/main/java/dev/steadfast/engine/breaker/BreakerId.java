package dev.steadfast.engine.breaker;

/**
 * Who a breaker belongs to: the task's namespace and the breaker key the task chose (or the default
 * key of its endpoint). Two namespaces choosing the same key get two breakers, so one tenant's
 * failures can never open another's.
 */
public record BreakerId(String namespace, String key) {
  /** Tasks without a namespace (never in a cluster) share this one. */
  public static final String DEFAULT_NAMESPACE = "default";

  public BreakerId {
    namespace = namespace == null || namespace.isBlank() ? DEFAULT_NAMESPACE : namespace;
  }

  /** {@code <namespace>/<key>}, for logs only: keys may contain slashes, so never parse it. */
  @Override
  public String toString() {
    return namespace + "/" + key;
  }
}
