package dev.steadfast.api;

/**
 * The duration syntax used in the resource: Go/Kubernetes style, such as 500ms, 30s, 5m, 2h or
 * 1m30s.
 */
public final class Durations {
  public static final String PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

  private Durations() {}
}
