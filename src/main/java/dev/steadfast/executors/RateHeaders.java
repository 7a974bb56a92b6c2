package dev.steadfast.executors;

import dev.steadfast.engine.exec.Call.LlmCall;
import dev.steadfast.engine.ratelimit.EndpointKey;
import dev.steadfast.engine.ratelimit.EndpointLimits;
import dev.steadfast.executors.classify.Headers;
import dev.steadfast.executors.classify.RetryAfter;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what a provider says about its own limit on every reply, successes included: when {@code
 * x-ratelimit-remaining-requests} or {@code -tokens} (Anthropic: {@code
 * anthropic-ratelimit-requests-remaining}, {@code -tokens-remaining}) is 0, the key's limit takes
 * no new call until the matching reset. Does nothing when adaptive concurrency is off.
 */
public final class RateHeaders {
  private static final List<String> KINDS = List.of("requests", "tokens");

  private final EndpointLimits limits;
  private final RetryAfter resets;

  /**
   * @param limits the process's limits, or null when adaptive concurrency is off
   */
  public RateHeaders(EndpointLimits limits, Clock clock) {
    this.limits = limits;
    this.resets = new RetryAfter(clock);
  }

  /** Nothing to tell anyone (adaptive concurrency off, tests). */
  public static RateHeaders off() {
    return new RateHeaders(null, Clock.systemUTC());
  }

  void observe(String namespace, LlmCall call, Map<String, List<String>> headers) {
    if (limits == null || headers == null) {
      return;
    }
    Map<String, String> first = Headers.firstValues(headers);
    Map<String, List<String>> exhausted = new HashMap<>();
    for (String kind : KINDS) {
      String openAi = "x-ratelimit-reset-" + kind;
      if (isZero(first.get("x-ratelimit-remaining-" + kind)) && first.get(openAi) != null) {
        exhausted.put(openAi, List.of(first.get(openAi)));
      }
      String anthropic = "anthropic-ratelimit-" + kind + "-reset";
      if (isZero(first.get("anthropic-ratelimit-" + kind + "-remaining"))
          && first.get(anthropic) != null) {
        exhausted.put(anthropic, List.of(first.get(anthropic)));
      }
    }
    if (exhausted.isEmpty()) {
      return;
    }
    Duration reset = resets.from(exhausted);
    EndpointKey key = EndpointKey.of(namespace, call);
    if (key != null && reset != null) {
      limits.remaining(key, 0, reset);
    }
  }

  private static boolean isZero(String value) {
    if (value == null) {
      return false;
    }
    try {
      return Long.parseLong(value.strip()) <= 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
