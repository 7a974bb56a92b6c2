package dev.steadfast.engine.exec;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The secret values executors have read, so that no status message, event or log line repeats one:
 * a server that echoes the request (many error pages do) would otherwise publish a credential to
 * everyone who can read the AgentTask. Thread-safe; one instance is shared by all executors.
 */
public final class Redactor {
  public static final String MASK = "[REDACTED]";

  /** SPEC §2: messages never carry more than 1 KiB of a body. */
  public static final int MAX_EXCERPT_BYTES = 1024;

  // Shorter values would mask ordinary words and numbers all over the messages.
  static final int MIN_LENGTH = 4;

  private final Set<String> secrets = ConcurrentHashMap.newKeySet();

  /** Remembers a secret value; values shorter than 4 characters are ignored. */
  public void register(String value) {
    if (value == null) {
      return;
    }
    add(value);
    // Mounted secrets often end with a newline that the executors strip before use.
    add(value.strip());
  }

  private void add(String value) {
    if (value.length() >= MIN_LENGTH) {
      secrets.add(value);
    }
  }

  /** The text with every registered secret value replaced by [REDACTED]. */
  public String redact(String text) {
    if (text == null || text.isEmpty() || secrets.isEmpty()) {
      return text;
    }
    // Longest first, so a secret that contains another one is masked whole.
    List<String> values =
        secrets.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
    String out = text;
    for (String value : values) {
      if (out.contains(value)) {
        out = out.replace(value, MASK);
      }
    }
    return out;
  }

  /** The failure with its message redacted. */
  public Failure redact(Failure failure) {
    if (failure == null || failure.message() == null) {
      return failure;
    }
    return new Failure(
        failure.tier(),
        failure.reason(),
        redact(failure.message()),
        failure.code(),
        failure.retryAfter());
  }

  /**
   * A body fit for a message: redacted first (so a secret straddling the cut cannot leak in part),
   * whitespace runs collapsed so the message stays one line, then cut to 1 KiB of UTF-8.
   */
  public String excerpt(String body) {
    if (body == null) {
      return "";
    }
    String text = redact(body).strip().replaceAll("\\s+", " ");
    return capUtf8(text, MAX_EXCERPT_BYTES);
  }

  /**
   * Cuts text to at most {@code maxBytes} of UTF-8, ending with … when cut, never mid-character.
   */
  public static String capUtf8(String text, int maxBytes) {
    if (text.length() * 3 <= maxBytes || text.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
      return text;
    }
    int budget = maxBytes - 3; // the ellipsis is 3 bytes in UTF-8
    int bytes = 0;
    int end = 0;
    while (end < text.length()) {
      int cp = text.codePointAt(end);
      int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + size > budget) {
        break;
      }
      bytes += size;
      end += Character.charCount(cp);
    }
    return text.substring(0, end) + "…";
  }
}
