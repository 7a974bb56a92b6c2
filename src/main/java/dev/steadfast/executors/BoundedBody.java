package dev.steadfast.executors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.hc.core5.http.HttpEntity;

/**
 * A response body read as text, refused beyond a size limit as the bytes arrive: a misbehaving
 * server must not be able to exhaust the operator's memory, which every task it runs shares. The
 * bytes kept are reserved from the process's {@link BytesInFlight} before they are kept.
 */
public final class BoundedBody {
  /** The body exceeded {@code --max-response-bytes}: Fatal OutputTooLarge, never retried. */
  public static final class TooLargeException extends IOException {
    private final int status;

    public TooLargeException(int limit, int status) {
      super(
          "the response body is larger than "
              + Sizes.format(limit)
              + " (--max-response-bytes "
              + limit
              + "); ask the server for less, or raise the limit");
      this.status = status;
    }

    /** The HTTP status of the response whose body was refused. */
    public int status() {
      return status;
    }
  }

  // What is reserved at a time while a body of unknown length arrives: few semaphore calls, and
  // little held beyond what has arrived.
  static final int RESERVE_STEP = 64 * 1024;

  private BoundedBody() {}

  /**
   * The whole body decoded with the charset the response declares (UTF-8 when none or unknown); ""
   * when there is none. The stream is read to its end, not closed. The bytes are held in {@code
   * reservation} (which the caller closes) and waited for at most until {@code deadlineNanos}.
   *
   * @throws TooLargeException as soon as the declared length or the bytes read exceed {@code
   *     limit}; nothing past the limit is read
   * @throws BytesInFlight.ExhaustedException when the deadline passes waiting for the budget
   */
  public static String read(
      HttpEntity entity,
      int status,
      int limit,
      BytesInFlight.Reservation reservation,
      long deadlineNanos)
      throws IOException, InterruptedException {
    if (entity == null) {
      return "";
    }
    long declared = entity.getContentLength();
    if (declared > limit) {
      throw new TooLargeException(limit, status);
    }
    Charset charset = charsetOf(entity.getContentType() == null ? "" : entity.getContentType());
    // Not closed here: closing a body stream reads it to its end to reuse the connection, which a
    // body over the limit must not get; the caller aborts the exchange instead.
    InputStream in = entity.getContent();
    if (in == null) {
      return "";
    }
    if (declared >= 0) {
      // Known length: reserved and allocated once, exactly.
      reservation.growTo(declared, deadlineNanos);
    }
    ByteArrayOutputStream bytes =
        new ByteArrayOutputStream(declared >= 0 ? (int) declared : RESERVE_STEP);
    byte[] chunk = new byte[8192];
    for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
      long total = (long) bytes.size() + n;
      if (total > limit) {
        throw new TooLargeException(limit, status);
      }
      if (total > reservation.held()) {
        reservation.growTo(
            Math.min(limit, bytes.size() + (long) Math.max(n, RESERVE_STEP)), deadlineNanos);
      }
      bytes.write(chunk, 0, n);
    }
    return bytes.toString(charset);
  }

  static Charset charsetOf(String contentType) {
    for (String part : contentType.split(";")) {
      String p = part.strip();
      if (p.toLowerCase(Locale.ROOT).startsWith("charset=")) {
        try {
          return Charset.forName(p.substring("charset=".length()).replace("\"", "").strip());
        } catch (IllegalArgumentException e) {
          return StandardCharsets.UTF_8;
        }
      }
    }
    return StandardCharsets.UTF_8;
  }
}
