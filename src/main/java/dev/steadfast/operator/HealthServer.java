package dev.steadfast.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} on the metrics port and {@code GET /healthz}, {@code GET /readyz} on
 * the health port, for Prometheus and the kubelet's probes. Equal ports share one listener; port 0
 * asks for a free port, separately for each of the two.
 */
public final class HealthServer {
  static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final int THREADS = 4;
  private static final Logger LOG = LoggerFactory.getLogger(HealthServer.class);

  private final int requestedMetricsPort;
  private final int requestedHealthPort;
  private final Supplier<String> metrics;
  private final BooleanSupplier ready;
  private ExecutorService executor;
  private HttpServer metricsServer;
  private HttpServer healthServer;

  /**
   * @param metrics the Prometheus exposition, produced per request
   * @param ready whether the operator can do its work (informers synced, leader or standby)
   */
  public HealthServer(
      int metricsPort, int healthPort, Supplier<String> metrics, BooleanSupplier ready) {
    this.requestedMetricsPort = metricsPort;
    this.requestedHealthPort = healthPort;
    this.metrics = metrics;
    this.ready = ready;
  }

  /**
   * Binds the ports (all interfaces: it runs in a pod) and starts serving.
   *
   * @throws UncheckedIOException when a port cannot be bound
   */
  public synchronized HealthServer start() {
    AtomicInteger n = new AtomicInteger();
    executor =
        Executors.newFixedThreadPool(
            THREADS,
            r -> {
              Thread t = new Thread(r, "steadfast-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    try {
      metricsServer = bind(requestedMetricsPort);
      healthServer =
          requestedHealthPort == requestedMetricsPort && requestedHealthPort != 0
              ? metricsServer
              : bind(requestedHealthPort);
    } catch (IOException e) {
      stop();
      throw new UncheckedIOException("cannot bind metrics/health port: " + e.getMessage(), e);
    }
    metricsServer.createContext(
        "/metrics", exact("/metrics", () -> new Reply(200, METRICS_CONTENT_TYPE, metrics.get())));
    healthServer.createContext("/healthz", exact("/healthz", () -> new Reply(200, TEXT, "ok")));
    healthServer.createContext(
        "/readyz",
        exact(
            "/readyz",
            () ->
                ready.getAsBoolean()
                    ? new Reply(200, TEXT, "ready")
                    : new Reply(503, TEXT, "not ready")));
    metricsServer.createContext("/", HealthServer::notFound);
    metricsServer.start();
    if (healthServer != metricsServer) {
      healthServer.createContext("/", HealthServer::notFound);
      healthServer.start();
    }
    LOG.info(
        "serving /metrics on port {}, /healthz and /readyz on port {}",
        metricsPort(),
        healthPort());
    return this;
  }

  public synchronized void stop() {
    if (metricsServer != null) {
      metricsServer.stop(0);
    }
    if (healthServer != null && healthServer != metricsServer) {
      healthServer.stop(0);
    }
    if (executor != null) {
      executor.shutdownNow();
    }
    metricsServer = null;
    healthServer = null;
    executor = null;
  }

  /** The bound metrics port (the chosen one when 0 was asked for). */
  public synchronized int metricsPort() {
    return metricsServer.getAddress().getPort();
  }

  /** The bound health port (the chosen one when 0 was asked for). */
  public synchronized int healthPort() {
    return healthServer.getAddress().getPort();
  }

  private HttpServer bind(int port) throws IOException {
    // The wildcard address: every IPv4 and, where the pod has it, IPv6 interface.
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.setExecutor(executor);
    return server;
  }

  private record Reply(int status, String contentType, String body) {}

  private static HttpHandler exact(String path, Supplier<Reply> reply) {
    return exchange -> {
      if (!exchange.getRequestURI().getPath().equals(path)) {
        notFound(exchange);
      } else if (!exchange.getRequestMethod().equals("GET")
          && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, new Reply(405, TEXT, "method not allowed"));
      } else {
        Reply r;
        try {
          r = reply.get();
        } catch (RuntimeException e) {
          LOG.warn("{} failed: {}", path, e.toString());
          r = new Reply(path.equals("/readyz") ? 503 : 500, TEXT, "error");
        }
        send(exchange, r);
      }
    };
  }

  private static void notFound(HttpExchange exchange) throws IOException {
    send(exchange, new Reply(404, TEXT, "not found"));
  }

  private static void send(HttpExchange exchange, Reply reply) throws IOException {
    try {
      byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", reply.contentType());
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(reply.status(), head ? -1 : body.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    } finally {
      exchange.close();
    }
  }
}
