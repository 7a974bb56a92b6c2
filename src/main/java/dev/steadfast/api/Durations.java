package dev.steadfast.api;

/**
 * The duration syntax used in the resource: Go/Kubernetes style, such as 500ms, 30s, 5m, 2h or
 * 1m30s.
 */
public final class Durations {
  /**
   * Up to four parts of up to nine digits each (ninety-nine million hours at most, with room for
   * 1h30m15s500ms): enough for any timeout or deadline, and small enough that a deadline added to
   * now is still a date (an unbounded one overflows the clock when the task runs).
   */
  public static final String PATTERN = "^([0-9]{1,9}(\\.[0-9]{1,9})?(ms|s|m|h)){1,4}$";

  private Durations() {}
}
