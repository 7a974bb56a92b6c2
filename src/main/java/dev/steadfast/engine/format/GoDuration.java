package dev.steadfast.engine.format;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints Go/Kubernetes style durations such as 500ms, 30s, 5m, 2h or 1m30s. */
public final class GoDuration {
  private static final Pattern WHOLE = Pattern.compile(dev.steadfast.api.Durations.PATTERN);
  private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");

  private GoDuration() {}

  /** Parses a duration; null stays null. */
  public static Duration parse(String text) {
    if (text == null) {
      return null;
    }
    if (!WHOLE.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "invalid duration \"" + text + "\" (expected forms like 500ms, 30s, 5m, 2h, 1m30s)");
    }
    Matcher m = PART.matcher(text);
    double millis = 0;
    while (m.find()) {
      double n = Double.parseDouble(m.group(1));
      millis +=
          switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1_000;
            case "m" -> n * 60_000;
            default -> n * 3_600_000;
          };
    }
    return Duration.ofMillis(Math.round(millis));
  }

  /** Parses a duration, or returns the default when unset. */
  public static Duration parse(String text, Duration orElse) {
    return text == null ? orElse : parse(text);
  }

  /** Prints a duration compactly, for messages: 800ms, 8s, 2m30s, 1h5m. */
  public static String format(Duration d) {
    long ms = Math.max(0, d.toMillis());
    if (ms < 1000) {
      return ms + "ms";
    }
    long s = Math.round(ms / 1000.0);
    if (s < 60) {
      return s + "s";
    }
    long h = s / 3600;
    long m = (s % 3600) / 60;
    long sec = s % 60;
    StringBuilder sb = new StringBuilder();
    if (h > 0) sb.append(h).append('h');
    if (m > 0) sb.append(m).append('m');
    if (sec > 0 && h == 0) sb.append(sec).append('s');
    return sb.toString();
  }
}
