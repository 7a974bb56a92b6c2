package dev.steadfast.engine.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read as text, refused beyond a size limit: a misbehaving server must not be able
 * to exhaust the operator's memory, which every task it runs shares.
 */
public final class BoundedBody implements BodySubscriber<String> {
  /** The body exceeded the limit; not a network problem, so not retried as one. */
  public static final class TooLargeException extends IOException {
    public TooLargeException(int limit) {
      super("response body larger than " + (limit / (1024 * 1024)) + " MiB");
    }
  }

  private final int limit;
  private final Charset charset;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CompletableFuture<String> result = new CompletableFuture<>();
  private Flow.Subscription subscription;

  BoundedBody(int limit, Charset charset) {
    this.limit = limit;
    this.charset = charset;
  }

  /** A handler decoding with the charset the response declares (UTF-8 when none or unknown). */
  public static HttpResponse.BodyHandler<String> handler(int limit) {
    return info ->
        new BoundedBody(limit, charsetOf(info.headers().firstValue("content-type").orElse("")));
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

  @Override
  public CompletionStage<String> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    subscription.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    if (result.isDone()) {
      return;
    }
    for (ByteBuffer buffer : buffers) {
      if (bytes.size() + buffer.remaining() > limit) {
        subscription.cancel();
        result.completeExceptionally(new TooLargeException(limit));
        return;
      }
      byte[] chunk = new byte[buffer.remaining()];
      buffer.get(chunk);
      bytes.writeBytes(chunk);
    }
  }

  @Override
  public void onError(Throwable error) {
    result.completeExceptionally(error);
  }

  @Override
  public void onComplete() {
    result.complete(bytes.toString(charset));
  }
}
