package dev.steadfast.executors.classify;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Response headers as user rules and the retry-after parser see them. */
public final class Headers {
  private Headers() {}

  /**
   * Lower-cased header name → its first value. HTTP names are case-insensitive, and a rule author
   * should not have to guess how a server spelled one; HTTP/2 pseudo-headers are left out.
   */
  public static Map<String, String> firstValues(Map<String, List<String>> headers) {
    Map<String, String> out = new LinkedHashMap<>();
    if (headers == null) {
      return out;
    }
    headers.forEach(
        (name, values) -> {
          if (name == null || name.startsWith(":") || values == null || values.isEmpty()) {
            return;
          }
          out.putIfAbsent(name.toLowerCase(Locale.ROOT), values.get(0));
        });
    return out;
  }
}
