package dev.steadfast.simulator;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The faults the simulator can inject. Their {@link #id()} strings are a fixed contract: the CLI
 * ({@code --faults}), the chaos annotation and tests outside the project spell faults this way.
 */
public enum FaultKind {
  RATE_LIMITED("429"),
  SERVER_ERROR("500"),
  UNAVAILABLE("503"),
  OVERLOADED("529"),
  /** Hold the request without answering, so the client's timeout fires. */
  TIMEOUT("timeout"),
  /** Drop the connection without any HTTP response. */
  NETWORK("network"),
  UNAUTHORIZED("401"),
  /** A 429 that is not transient: the account's quota or credit is spent. */
  QUOTA("quota"),
  CONTEXT("context"),
  /** A 200 whose content is malformed JSON (or empty when no JSON was asked for). */
  INVALID_OUTPUT("invalid-output"),
  /** A 200 cut off mid-way, as when max_tokens is reached. */
  LENGTH("length");

  private final String id;

  FaultKind(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  /** The HTTP status the fault answers with; -1 when no response is sent at all. */
  public int status() {
    return switch (this) {
      case RATE_LIMITED, QUOTA -> 429;
      case SERVER_ERROR -> 500;
      case UNAVAILABLE -> 503;
      case OVERLOADED -> 529;
      case UNAUTHORIZED -> 401;
      case CONTEXT -> 400;
      case INVALID_OUTPUT, LENGTH -> 200;
      case TIMEOUT, NETWORK -> -1;
    };
  }

  /** Looks a fault up by its contract name. */
  public static FaultKind of(String id) {
    for (FaultKind kind : values()) {
      if (kind.id.equals(id)) {
        return kind;
      }
    }
    throw new IllegalArgumentException("unknown fault '" + id + "' (known: " + ids() + ")");
  }

  /** All contract names, comma-separated, for error messages and help text. */
  public static String ids() {
    return Arrays.stream(values()).map(FaultKind::id).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return id;
  }
}
