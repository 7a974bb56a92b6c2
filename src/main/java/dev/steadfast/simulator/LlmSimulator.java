package dev.steadfast.simulator;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI- and Anthropic-compatible LLM API on loopback, with scripted faults: the fake of the
 * outside world that Steadfast's tests, {@code steadfast simulate} and {@code steadfast demo} run
 * against. Replies are deterministic for a given request; faults are deterministic for a given seed
 * and arrival order.
 *
 * <pre>{@code
 * try (LlmSimulator sim = LlmSimulator.builder().faults(FaultPlan.parse("429@1-2")).build().start()) {
 *   String endpoint = sim.baseUrl() + "/v1";
 * }
 * }</pre>
 */
public final class LlmSimulator implements AutoCloseable {
  static {
    // The JDK server writes headers and body separately; with Nagle on, the body waits for the
    // client's delayed ACK, adding ~40 ms to every answer. The property is read once, when the
    // first HttpServer of the JVM is created, and only ever helps other servers too.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final SimulatorConfig config;
  private final FaultDecider decider;
  private final RequestLog log;
  private final CountDownLatch stopping = new CountDownLatch(1);
  private final Concurrency concurrency = new Concurrency();
  // The JDK's default accept backlog is 50: a client opening hundreds of connections at once
  // (--max-concurrent-steps 256) would see SYNs dropped and retried a second later.
  private static final int BACKLOG = 1024;
  private HttpServer server;
  private ExecutorService executor;

  LlmSimulator(SimulatorConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    this.decider = new FaultDecider(config.faults(), config.seed());
    this.log =
        new RequestLog(
            config.requestLog() == null ? null : new RequestLogFile(config.requestLog()));
  }

  public static SimulatorConfig.Builder builder() {
    return new SimulatorConfig.Builder();
  }

  /** Binds 127.0.0.1 and starts serving; returns this for chaining. */
  public synchronized LlmSimulator start() {
    if (server != null) {
      throw new IllegalStateException("simulator already started");
    }
    if (stopping.getCount() == 0) {
      throw new IllegalStateException("a stopped simulator cannot be restarted");
    }
    try {
      server =
          HttpServer.create(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port()), BACKLOG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on 127.0.0.1:" + config.port(), e);
    }
    // Unbounded threads: a hung request must never keep another request from being answered.
    executor = Executors.newCachedThreadPool(daemonThreads());
    server.setExecutor(executor);
    server.createContext(
        "/",
        new SimulatorHandler(
            config, decider, log, Clock.systemUTC(), stopping, this::reset, concurrency));
    server.start();
    return this;
  }

  /** Releases hung requests, closes connections and stops the threads. Idempotent. */
  public synchronized void stop() {
    stopping.countDown();
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
      try {
        executor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    log.close();
  }

  @Override
  public void close() {
    stop();
  }

  /** The port listened on, useful with port 0. */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("simulator not started");
    }
    return server.getAddress().getPort();
  }

  /** {@code http://127.0.0.1:PORT}; model endpoints are this with or without {@code /v1}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  public SimulatorConfig config() {
    return config;
  }

  /** Every request received since start or the last reset, in arrival order. */
  public List<RecordedRequest> requests() {
    return log.snapshot();
  }

  /** The requests that carried this {@code Idempotency-Key}. */
  public List<RecordedRequest> requestsWithKey(String idempotencyKey) {
    return requests().stream()
        .filter(r -> Objects.equals(r.idempotencyKey(), idempotencyKey))
        .toList();
  }

  /**
   * Clears the log and call counters and re-seeds the rates, so the simulator behaves as if just
   * started (schedules count from call 1 again). Also served as {@code POST }{@value #RESET_PATH},
   * and empties the request-log file.
   */
  public void reset() {
    decider.reset();
    log.clear();
    concurrency.reset();
    config.providerLimit().reset();
  }

  /** Requests served at once now and at most, and when each answer went out. */
  public Concurrency concurrency() {
    return concurrency;
  }

  /** The path of the reset endpoint; namespaced so it cannot shadow an API a client calls. */
  public static final String RESET_PATH = "/_steadfast/reset";

  /** A few lines for a terminal: where to point clients and what will go wrong. */
  public String describe() {
    String base = server == null ? "http://127.0.0.1:" + config.port() : baseUrl();
    String faults = config.faults().isEmpty() ? "none" : config.faults().toString();
    StringBuilder text = new StringBuilder();
    text.append("Steadfast LLM simulator on ").append(base).append('\n');
    text.append("  OpenAI:    POST /v1/chat/completions  (endpoint ").append(base).append("/v1)\n");
    text.append("  Anthropic: POST /v1/messages          (endpoint ").append(base).append("/v1)\n");
    text.append("  HTTP:      GET /items?count=N, POST /echo\n");
    text.append("  reset:     POST ").append(RESET_PATH).append('\n');
    if (config.requestLog() != null) {
      text.append("  request log: ").append(config.requestLog()).append('\n');
    }
    text.append("  faults:    ")
        .append(faults)
        .append(" (seed ")
        .append(config.seed())
        .append(")\n");
    text.append("  latency ")
        .append(config.latency().toMillis())
        .append("ms, Retry-After ")
        .append(config.retryAfterSeconds())
        .append("s, timeout holds ")
        .append(config.hangFor().toSeconds())
        .append("s");
    if (!config.contextWindows().isEmpty()) {
      text.append("\n  context windows: ").append(config.contextWindows());
    }
    if (!config.toolScripts().isEmpty()) {
      text.append("\n  tool scripts: ").append(config.toolScripts());
    }
    if (config.apiKey() != null) {
      text.append("\n  API key required");
    }
    if (!config.providerLimit().isNone()) {
      text.append("\n  provider limit: ").append(config.providerLimit());
    }
    return text.toString();
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, "llm-simulator-" + count.incrementAndGet());
      thread.setDaemon(true); // a forgotten stop() must not keep a CLI or test JVM alive
      return thread;
    };
  }
}
