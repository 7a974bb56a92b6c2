package dev.steadfast.executors;

import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.format.GoDuration;
import dev.steadfast.executors.egress.EgressPolicy;
import dev.steadfast.executors.egress.EgressResolver;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Sends one request with a deadline on the whole exchange: connecting, sending, and reading the
 * body, which is bounded in size as well, so a server that trickles its body cannot hold a worker.
 * Every connection goes through the {@link EgressPolicy} via an {@link EgressResolver}, so a
 * refused address is never connected to. Redirects are not followed (a 3xx is the answer), no
 * cookies or credentials are kept between requests (tasks of different teams share the client).
 */
public final class HttpTransport implements AutoCloseable {
  /** Used when an attempt carries no timeout: the documented default of {@code policy.timeout}. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /**
   * The default of {@code --max-response-bytes}: 768 KiB, the most a step's output may hold (see
   * {@code OutputLimit}), so a body over it could never be kept anyway.
   */
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 768 * 1024;

  static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(10);

  // --max-concurrent-steps may run hundreds of attempts at once, many to the same provider.
  static final int MAX_CONNECTIONS = 1024;

  // Checks the deadlines of all exchanges in flight; a check is a clock read, so one thread does.
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "http-deadlines");
            t.setDaemon(true);
            return t;
          });
  private static final long WATCH_MILLIS = 100;

  /** A response, read in full. */
  public record Response(int status, Map<String, List<String>> headers, String body) {}

  private final EgressPolicy policy;
  private final CloseableHttpClient client;
  private final int maxResponseBytes;
  private final BytesInFlight inFlight;

  /** Connections decided by {@code policy}, names resolved by the system's resolver. */
  public HttpTransport(EgressPolicy policy) {
    this(policy, EgressResolver.SYSTEM);
  }

  /** Connections decided by {@code policy}, names resolved by {@code lookup} (tests script it). */
  public HttpTransport(EgressPolicy policy, EgressResolver.Lookup lookup) {
    this(
        policy, lookup, DEFAULT_MAX_RESPONSE_BYTES, new BytesInFlight(BytesInFlight.DEFAULT_BYTES));
  }

  /**
   * @param maxResponseBytes {@code --max-response-bytes}: a longer body fails the attempt
   * @param inFlight {@code --max-bytes-in-flight}: shared by every transport of the process
   * @throws IllegalArgumentException when one body may be larger than the whole budget
   */
  public HttpTransport(
      EgressPolicy policy,
      EgressResolver.Lookup lookup,
      int maxResponseBytes,
      BytesInFlight inFlight) {
    if (maxResponseBytes < 1) {
      throw new IllegalArgumentException("--max-response-bytes must be at least 1 byte");
    }
    if (maxResponseBytes > inFlight.budget()) {
      // One body could wait forever for a budget that can never hold it.
      throw new IllegalArgumentException(
          "--max-response-bytes ("
              + maxResponseBytes
              + ") must not be larger than --max-bytes-in-flight ("
              + inFlight.budget()
              + ")");
    }
    this.maxResponseBytes = maxResponseBytes;
    this.inFlight = inFlight;
    this.policy = policy;
    this.client =
        HttpClients.custom()
            .setConnectionManager(
                PoolingHttpClientConnectionManagerBuilder.create()
                    .setDnsResolver(new EgressResolver(policy, lookup))
                    .setMaxConnTotal(MAX_CONNECTIONS)
                    .setMaxConnPerRoute(MAX_CONNECTIONS)
                    .setDefaultConnectionConfig(
                        ConnectionConfig.custom()
                            .setConnectTimeout(CONNECT_TIMEOUT)
                            // A pooled connection the server closed meanwhile is found out before
                            // use, not by failing an attempt.
                            .setValidateAfterInactivity(TimeValue.ofMilliseconds(500))
                            .build())
                    .build())
            .disableRedirectHandling()
            .disableAutomaticRetries() // the engine retries, with backoff and a budget
            .disableCookieManagement()
            .disableAuthCaching()
            .disableContentCompression() // what the server sends is what the size limit counts
            .build();
  }

  /** A transport that connects anywhere: {@code steadfast run} on the user's own machine. */
  public static HttpTransport open() {
    return new HttpTransport(EgressPolicy.open());
  }

  /** The longest body this transport reads. */
  public int maxResponseBytes() {
    return maxResponseBytes;
  }

  /** The policy every connection of this transport is decided by. */
  public EgressPolicy policy() {
    return policy;
  }

  /** The timeout to use for an attempt. */
  public static Duration timeoutOf(AttemptRequest request) {
    Duration t = request.timeout();
    return t == null || t.isZero() || t.isNegative() ? DEFAULT_TIMEOUT : t;
  }

  /**
   * Sends the request and reads the whole body within {@code timeout}.
   *
   * @throws SocketTimeoutException when the deadline passes (the exchange is aborted)
   * @throws dev.steadfast.executors.egress.EgressDeniedException when the policy refuses every
   *     address of the host (nothing was sent)
   * @throws BoundedBody.TooLargeException when the body exceeds {@code --max-response-bytes}
   * @throws BytesInFlight.ExhaustedException when the deadline passes waiting for memory to read
   *     the body in ({@code --max-bytes-in-flight})
   * @throws InterruptedException when the calling thread is interrupted (the exchange is aborted)
   * @throws IOException for any other network failure
   */
  public Response send(ClassicHttpRequest request, Duration timeout)
      throws IOException, InterruptedException {
    HttpUriRequestBase exchange = copy(request);
    Timeout limit = Timeout.of(timeout);
    exchange.setConfig(
        RequestConfig.custom()
            .setConnectionRequestTimeout(limit)
            .setResponseTimeout(limit)
            .setRedirectsEnabled(false)
            .build());
    AtomicReference<String> aborted = new AtomicReference<>();
    Thread caller = Thread.currentThread();
    long deadline = System.nanoTime() + timeout.toNanos();
    // Blocking socket reads ignore interrupts, so the watchdog turns both the deadline and an
    // interrupt (the operator shutting down) into an abort of the exchange.
    ScheduledFuture<?> watch =
        WATCHDOG.scheduleWithFixedDelay(
            () -> {
              if (System.nanoTime() - deadline >= 0) {
                abort(exchange, aborted, "deadline");
              } else if (caller.isInterrupted()) {
                abort(exchange, aborted, "interrupt");
              }
            },
            Math.min(WATCH_MILLIS, Math.max(1, timeout.toMillis())),
            WATCH_MILLIS,
            TimeUnit.MILLISECONDS);
    // Held while the body is read; once it is a String, the attempt's own thread owns it.
    try (BytesInFlight.Reservation reservation = inFlight.reserve();
        CloseableHttpResponse response = client.execute(exchange)) {
      try {
        String body =
            BoundedBody.read(
                response.getEntity(), response.getCode(), maxResponseBytes, reservation, deadline);
        return new Response(response.getCode(), headers(response.getHeaders()), body);
      } catch (IOException | InterruptedException | RuntimeException e) {
        // Closing would read the rest of the body to keep the connection: drop it instead.
        exchange.cancel();
        throw e;
      }
    } catch (BoundedBody.TooLargeException | BytesInFlight.ExhaustedException e) {
      throw e;
    } catch (IOException e) {
      // The response timeout (a socket read waiting as long as the whole deadline) may fire first.
      boolean readTimeout =
          e instanceof SocketTimeoutException && !(e instanceof ConnectTimeoutException);
      if ("deadline".equals(aborted.get()) || readTimeout) {
        SocketTimeoutException timedOut =
            new SocketTimeoutException("no complete response within " + GoDuration.format(timeout));
        timedOut.initCause(e);
        throw timedOut;
      }
      if ("interrupt".equals(aborted.get()) || Thread.currentThread().isInterrupted()) {
        Thread.interrupted();
        throw new InterruptedException("the HTTP exchange was aborted: the attempt was stopped");
      }
      throw e;
    } finally {
      watch.cancel(false);
    }
  }

  private static void abort(
      HttpUriRequestBase exchange, AtomicReference<String> aborted, String why) {
    if (aborted.compareAndSet(null, why)) {
      exchange.cancel();
    }
  }

  private static HttpUriRequestBase copy(ClassicHttpRequest request) {
    HttpUriRequestBase copy;
    try {
      copy = new HttpUriRequestBase(request.getMethod(), request.getUri());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("invalid url: " + e.getReason());
    }
    copy.setHeaders(request.getHeaders());
    copy.setEntity(request.getEntity());
    // The attempt's span when tracing is on (docs/tracing.md), so a gateway's spans join the
    // trace; with no span current (tracing off) nothing is added.
    W3CTraceContextPropagator.getInstance()
        .inject(Context.current(), copy, (carrier, name, value) -> carrier.setHeader(name, value));
    return copy;
  }

  // Header names are case-insensitive, so is the map (as the JDK client's was).
  private static Map<String, List<String>> headers(Header[] headers) {
    Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Header h : headers) {
      map.computeIfAbsent(h.getName(), k -> new ArrayList<>()).add(h.getValue());
    }
    return map;
  }

  @Override
  public void close() {
    client.close(CloseMode.IMMEDIATE);
  }
}
