package dev.steadfast.engine.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.hc.core5.http.HttpEntity;

/**
 * A response body read as text, refused beyond a size limit as the bytes arrive: a misbehaving
 * server must not be able to exhaust the operator's memory, which every task it runs shares.
 */
public final class BoundedBody {
  /** The body exceeded the limit; not a network problem, so not retried as one. */
  public static final class TooLargeException extends IOException {
    public TooLargeException(int limit) {
      super("response body larger than " + (limit / (1024 * 1024)) + " MiB");
    }
  }

  private BoundedBody() {}

  /**
   * The whole body decoded with the charset the response declares (UTF-8 when none or unknown); ""
   * when there is none. The stream is read to its end, not closed.
   *
   * @throws TooLargeException as soon as the declared length or the bytes read exceed {@code limit}
   */
  public static String read(HttpEntity entity, int limit) throws IOException {
    if (entity == null) {
      return "";
    }
    if (entity.getContentLength() > limit) {
      throw new TooLargeException(limit);
    }
    Charset charset = charsetOf(entity.getContentType() == null ? "" : entity.getContentType());
    // Not closed here: closing a body stream reads it to its end to reuse the connection, which a
    // body over the limit must not get; the caller aborts the exchange instead.
    InputStream in = entity.getContent();
    if (in == null) {
      return "";
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
      if (bytes.size() + n > limit) {
        throw new TooLargeException(limit);
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
