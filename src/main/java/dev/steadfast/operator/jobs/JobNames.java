package dev.steadfast.operator.jobs;

import dev.steadfast.engine.IdempotencyKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Deterministic names for the Job of one attempt. The name is a function of the attempt's
 * Idempotency-Key alone, so an operator that restarts mid-attempt finds the Job it created instead
 * of starting a second one.
 */
final class JobNames {
  /** Job names end up in the pod label job-name, whose values are limited to 63 characters. */
  static final int MAX = 63;

  private static final int HASH_CHARS = 10;

  /**
   * The parts of an Idempotency-Key, read by the engine's one function for it ({@link
   * IdempotencyKey}).
   *
   * @param item the forEach index, or "-" outside a forEach
   */
  record AttemptKey(String key, String taskUid, String step, String item, String attempt) {
    static AttemptKey parse(String key) {
      IdempotencyKey parts = IdempotencyKey.parse(key);
      return new AttemptKey(key, parts.taskUid(), parts.step(), parts.item(), parts.attempt());
    }
  }

  private JobNames() {}

  /** {@code <task>-<step>[-<item>]-<attempt>}, made a DNS-1123 label, hashed when too long. */
  static String readable(String taskName, AttemptKey key) {
    String item = "-".equals(key.item()) ? "" : "-" + key.item();
    String raw = taskName + "-" + key.step() + item + "-" + key.attempt();
    String label = dns1123(raw);
    return label.length() <= MAX && label.equals(raw) ? label : withHash(label, raw);
  }

  /**
   * The name to use when the readable one is held by another attempt (different tasks can spell the
   * same name: task "a-b" step "c" and task "a" step "b-c"). Still a function of the key.
   */
  static String unique(String taskName, AttemptKey key) {
    return withHash(dns1123(readable(taskName, key)), key.key());
  }

  /** A label value for a name that may be longer than 63 characters. */
  static String labelValue(String value) {
    if (value.length() <= MAX) {
      return value;
    }
    return withHash(dns1123(value), value);
  }

  static String withHash(String label, String hashed) {
    String prefix = label.substring(0, Math.min(label.length(), MAX - HASH_CHARS - 1));
    prefix = prefix.replaceAll("-+$", "");
    return (prefix.isEmpty() ? "x" : prefix) + "-" + sha256(hashed).substring(0, HASH_CHARS);
  }

  /** Lowercase, only [a-z0-9-], starting and ending with an alphanumeric character. */
  static String dns1123(String raw) {
    String s = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    s = s.replaceAll("^-+", "").replaceAll("-+$", "");
    return s.isEmpty() ? "x" : s;
  }

  private static String sha256(String value) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
