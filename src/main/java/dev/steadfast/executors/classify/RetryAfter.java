package dev.steadfast.executors.classify;

import dev.steadfast.engine.format.GoDuration;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * How long a server asked us to wait, from the headers providers actually send: {@code Retry-After}
 * (RFC 9110: seconds or an HTTP date), OpenAI's {@code x-ratelimit-reset-requests} / {@code
 * -tokens} (Go durations such as 6m0s) and Anthropic's {@code anthropic-ratelimit-requests-reset} /
 * {@code -tokens-reset} (RFC 3339 instants).
 */
public final class RetryAfter {
  private static final List<String> RELATIVE =
      List.of("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens");
  private static final String RELATIVE_PREFIX = "x-ratelimit-reset-";
  private static final List<String> INSTANTS =
      List.of("anthropic-ratelimit-requests-reset", "anthropic-ratelimit-tokens-reset");

  private final Clock clock;

  public RetryAfter(Clock clock) {
    this.clock = clock;
  }

  /**
   * The largest wait any of the headers asks for, never negative; null when none is present or
   * readable. Headers are looked up without regard to case.
   */
  public Duration from(Map<String, List<String>> headers) {
    Map<String, String> first = Headers.firstValues(headers);
    Duration max = null;
    max = larger(max, retryAfter(first.get("retry-after")));
    for (String name : RELATIVE) {
      max = larger(max, relative(first.get(name)));
    }
    // docs/tasks.md honours x-ratelimit-reset-* as a family: gateways add their own suffixes
    // (-input-tokens, -output-tokens, ...), all relative like OpenAI's.
    for (Map.Entry<String, String> h : first.entrySet()) {
      if (h.getKey().startsWith(RELATIVE_PREFIX) && !RELATIVE.contains(h.getKey())) {
        max = larger(max, relative(h.getValue()));
      }
    }
    for (String name : INSTANTS) {
      max = larger(max, untilInstant(first.get(name)));
    }
    return max;
  }

  Duration retryAfter(String value) {
    return secondsOr(
        value,
        v ->
            nonNegative(
                Duration.between(
                    clock.instant(),
                    ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant())));
  }

  static Duration relative(String value) {
    return secondsOr(value, GoDuration::parse);
  }

  /**
   * Plain seconds, else the header's other spelling ({@code otherwise}, given the stripped value);
   * null when the value is absent or reads as neither.
   */
  private static Duration secondsOr(String value, Function<String, Duration> otherwise) {
    if (value == null || value.isBlank()) {
      return null;
    }
    Duration seconds = seconds(value);
    if (seconds != null) {
      return seconds;
    }
    try {
      return otherwise.apply(value.strip());
    } catch (DateTimeParseException | IllegalArgumentException e) {
      return null;
    }
  }

  Duration untilInstant(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      Instant at = OffsetDateTime.parse(value.strip()).toInstant();
      return nonNegative(Duration.between(clock.instant(), at));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  // Plain (possibly fractional) seconds; some gateways send "0.5" where RFC 9110 wants integers.
  private static Duration seconds(String value) {
    String v = value.strip();
    if (!v.matches("[0-9]{1,9}(\\.[0-9]{1,9})?")) {
      return null;
    }
    return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
  }

  private static Duration nonNegative(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }

  private static Duration larger(Duration a, Duration b) {
    if (a == null) {
      return b;
    }
    return b == null || a.compareTo(b) >= 0 ? a : b;
  }
}
