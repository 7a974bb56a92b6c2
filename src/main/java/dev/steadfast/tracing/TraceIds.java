package dev.steadfast.tracing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Trace and span ids derived from a task's uid (its run id locally), so every process that works on
 * a task, an operator restarted in the middle of it included, continues the same trace: the
 * operator keeps no span in memory across its many short reconciles, and a step span ended by one
 * process is the parent of attempts another process started. A step's span id also covers when the
 * step started, so a step run again (a retried task) is a new span in the same trace.
 */
public final class TraceIds {
  private TraceIds() {}

  /** 32 hex digits. */
  public static String traceId(String taskKey) {
    return hex("steadfast/trace/" + taskKey, 16);
  }

  /** The task span's id: 16 hex digits. */
  public static String taskSpanId(String taskKey) {
    return hex("steadfast/task/" + taskKey, 8);
  }

  /** A step span's id: 16 hex digits. */
  public static String stepSpanId(String taskKey, String step, String startedAt) {
    return hex("steadfast/step/" + taskKey + "/" + step + "/" + startedAt, 8);
  }

  private static String hex(String seed, int bytes) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
      // An all-zero id is invalid; a SHA-256 prefix is all zeros with negligible probability, but
      // the last byte is forced odd-or-not-zero anyway so the id is always valid.
      if (isZero(digest, bytes)) {
        digest[bytes - 1] = 1;
      }
      return HexFormat.of().formatHex(digest, 0, bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static boolean isZero(byte[] b, int n) {
    for (int i = 0; i < n; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
