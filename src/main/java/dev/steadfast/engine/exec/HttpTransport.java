package dev.steadfast.engine.exec;

import dev.steadfast.engine.GoDuration;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends one request with a deadline on the whole exchange. {@link HttpRequest#timeout} alone only
 * bounds the wait for the response headers, so a server that trickles its body would hold a worker
 * forever; here the body is bounded in time and in size as well.
 */
public final class HttpTransport {
  /** Used when an attempt carries no timeout: the documented default of {@code policy.timeout}. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /** A response body larger than any output a step could keep. */
  public static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

  /** A response, read in full. */
  public record Response(int status, Map<String, List<String>> headers, String body) {}

  private final HttpClient client;

  public HttpTransport(HttpClient client) {
    this.client = client;
  }

  /** The timeout to use for an attempt. */
  public static Duration timeoutOf(AttemptRequest request) {
    Duration t = request.timeout();
    return t == null || t.isZero() || t.isNegative() ? DEFAULT_TIMEOUT : t;
  }

  /**
   * Sends the request and reads the whole body within {@code timeout}.
   *
   * @throws HttpTimeoutException when the deadline passes (the exchange is cancelled)
   * @throws BoundedBody.TooLargeException when the body exceeds {@link #MAX_BODY_BYTES}
   * @throws IOException for any other network failure
   */
  public Response send(HttpRequest request, Duration timeout)
      throws IOException, InterruptedException {
    CompletableFuture<HttpResponse<String>> future =
        client.sendAsync(request, BoundedBody.handler(MAX_BODY_BYTES));
    try {
      HttpResponse<String> response = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return new Response(response.statusCode(), response.headers().map(), response.body());
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new HttpTimeoutException("no complete response within " + GoDuration.format(timeout));
    } catch (InterruptedException e) {
      future.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IOException(cause);
    }
  }
}
