package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Every request's path through the simulator: decide (route, fault, reply), log, then deliver.
 * Logging before delivery means a test sees a held or dropped request in the log at once.
 */
final class SimulatorHandler implements HttpHandler {
  private static final WireFormat OPENAI = new OpenAiFormat();
  private static final WireFormat ANTHROPIC = new AnthropicFormat();

  /** The key a request was admitted under; its slot frees once the answer is sent. */
  private record Admitted(String key) {}

  // One thread serves an exchange from start to end; HttpExchange attributes are shared by the
  // whole context on Java 17, so they cannot carry this.
  private final ThreadLocal<Admitted> admitted = new ThreadLocal<>();

  private final SimulatorConfig config;
  private final FaultDecider decider;
  private final RequestLog log;
  private final ReplyEngine replies;
  private final FixtureEndpoints fixtures;
  private final Clock clock;
  private final CountDownLatch stopping;
  private final Runnable reset;
  private final Concurrency concurrency;
  private final ProviderLimit limit;

  SimulatorHandler(
      SimulatorConfig config,
      FaultDecider decider,
      RequestLog log,
      Clock clock,
      CountDownLatch stopping,
      Runnable reset,
      Concurrency concurrency) {
    this.config = config;
    this.limit = config.providerLimit();
    this.concurrency = concurrency;
    this.decider = decider;
    this.log = log;
    this.replies = new ReplyEngine(config.toolScripts());
    this.fixtures = new FixtureEndpoints(config, decider);
    this.clock = clock;
    this.stopping = stopping;
    this.reset = reset;
  }

  @Override
  public void handle(HttpExchange exchange) {
    admitted.remove();
    concurrency.enter();
    try {
      byte[] raw = exchange.getRequestBody().readAllBytes();
      if (exchange.getRequestURI().getPath().equals(LlmSimulator.RESET_PATH)) {
        resetOrRefuse(exchange);
        return;
      }
      Handled handled = route(exchange, raw);
      JsonNode usage = reportedUsage(handled);
      log.add(
          new RecordedRequest(
              handled.sequence(),
              exchange.getRequestURI().getPath(),
              handled.api(),
              handled.model(),
              exchange.getRequestHeaders().getFirst("Idempotency-Key"),
              handled.body(),
              handled.fault() == null ? null : handled.fault().id(),
              handled.outcome().status(),
              usage == null ? null : usage.path(0).asLong(),
              usage == null ? null : usage.path(1).asLong(),
              exchange.getRequestHeaders().getFirst("traceparent")),
          clock.instant());
      deliver(exchange, handled);
    } catch (IOException | RuntimeException e) {
      // The client went away or the server is stopping; closing below is all that is left to do.
    } finally {
      // Without response headers sent, close() drops the connection: that is the network fault.
      exchange.close();
      releaseSlot(exchange); // dropped or held requests free theirs here
      concurrency.exit();
    }
  }

  /**
   * The [input, output] tokens the answer's usage block reports (OpenAI prompt/completion tokens,
   * Anthropic input/output tokens), or null when it reports none: so tests can sum what a client
   * was told it used.
   */
  private static JsonNode reportedUsage(Handled handled) {
    Outcome outcome = handled.outcome();
    if (outcome.status() / 100 != 2 || outcome.body() == null) {
      return null;
    }
    JsonNode usage;
    try {
      usage = Json.parse(outcome.body()).path("usage");
    } catch (IOException | RuntimeException e) {
      return null; // a malformed document reports nothing
    }
    JsonNode in =
        usage.has("prompt_tokens") ? usage.get("prompt_tokens") : usage.get("input_tokens");
    JsonNode out =
        usage.has("completion_tokens")
            ? usage.get("completion_tokens")
            : usage.get("output_tokens");
    if (in == null || out == null || !in.canConvertToLong() || !out.canConvertToLong()) {
      return null;
    }
    return Json.MAPPER.createArrayNode().add(in.asLong()).add(out.asLong());
  }

  /** The reset is neither logged nor counted: the log it clears starts empty, at sequence 1. */
  private void resetOrRefuse(HttpExchange exchange) throws IOException {
    if (!exchange.getRequestMethod().equals("POST")) {
      exchange.getResponseHeaders().set("Allow", "POST");
      exchange.sendResponseHeaders(405, -1);
      return;
    }
    reset.run();
    exchange.sendResponseHeaders(204, -1);
  }

  private Handled route(HttpExchange exchange, byte[] raw) {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    return switch (path) {
      case "/v1/chat/completions", "/chat/completions" -> chat(OPENAI, method, exchange, raw);
      case "/v1/messages", "/messages" -> chat(ANTHROPIC, method, exchange, raw);
      case "/items", "/echo" ->
          fixtures.handle(
              path,
              method,
              exchange.getRequestURI().getRawQuery(),
              exchange.getRequestHeaders(),
              raw);
      default ->
          new Handled(
              decider.nextSequence(),
              FixtureEndpoints.MODEL,
              null,
              null,
              null,
              OpenAiFormat.error(404, "invalid_request_error", "not_found", "no route " + path));
    };
  }

  private Handled chat(WireFormat format, String method, HttpExchange exchange, byte[] raw) {
    String text = new String(raw, StandardCharsets.UTF_8);
    if (!method.equals("POST")) {
      return refused(format, null, null, "use POST");
    }
    JsonNode body;
    try {
      body = text.isBlank() ? MissingNode.getInstance() : Json.parse(text);
    } catch (IOException e) {
      return refused(format, null, TextNode.valueOf(text), "request body is not valid JSON");
    }
    ChatRequest request;
    try {
      request = format.parse(body);
    } catch (IllegalArgumentException e) {
      return refused(format, Json.text(body, "model", null), body, e.getMessage());
    }
    FaultDecider.Decision decision = decider.next(request.model());
    FaultKind fault = decision.fault();
    // A real server rejects a bad key before anything else, injected faults included.
    String key = config.apiKey();
    if (key != null && !key.equals(format.presentedKey(exchange.getRequestHeaders()))) {
      fault = FaultKind.UNAUTHORIZED;
    }
    ProviderLimit.Admission admission = null;
    if (fault != FaultKind.UNAUTHORIZED && !limit.isNone()) {
      String presented = format.presentedKey(exchange.getRequestHeaders());
      admission = limit.admit(presented, clock.instant());
      if (admission.admitted()) {
        admitted.set(new Admitted(presented));
      } else {
        fault = FaultKind.RATE_LIMITED; // the provider's own limit, before any injected fault
      }
    }
    Integer window = config.contextWindow(request.model());
    if (fault == null && window != null && request.promptTokens() > window) {
      fault = FaultKind.CONTEXT;
    }
    Outcome outcome = outcome(format, request, fault, window);
    if (admission != null) {
      outcome = ProviderLimit.withHeaders(outcome, admission);
    }
    return new Handled(decision.sequence(), format.api(), request.model(), body, fault, outcome);
  }

  private Outcome outcome(WireFormat format, ChatRequest request, FaultKind fault, Integer window) {
    if (fault == null || fault == FaultKind.INVALID_OUTPUT || fault == FaultKind.LENGTH) {
      Reply reply = replies.reply(request, fault);
      return Outcome.json(200, format.success(request, reply, clock.instant().getEpochSecond()));
    }
    if (fault == FaultKind.TIMEOUT || fault == FaultKind.NETWORK) {
      return Outcome.none();
    }
    return format.faultAnswer(fault, request.promptTokens(), window, config.retryAfterSeconds());
  }

  private Handled refused(WireFormat format, String model, JsonNode body, String message) {
    JsonNode logged = body == null || body.isMissingNode() ? null : body;
    return new Handled(
        decider.nextSequence(), format.api(), model, logged, null, format.invalidRequest(message));
  }

  private void deliver(HttpExchange exchange, Handled handled) throws IOException {
    if (waitUnlessStopping(config.latency())) {
      return;
    }
    if (handled.fault() == FaultKind.TIMEOUT) {
      // Held on a latch, not a sleep, so stop() releases every hung request at once.
      waitUnlessStopping(config.hangFor());
      return;
    }
    Outcome outcome = handled.outcome();
    if (outcome.status() < 0) {
      return;
    }
    byte[] bytes =
        outcome.body() == null ? new byte[0] : outcome.body().getBytes(StandardCharsets.UTF_8);
    outcome.headers().forEach(exchange.getResponseHeaders()::set);
    // Freed before the answer goes out: a client that sends its next request on receiving this
    // one must find the slot free, as with a real provider.
    releaseSlot(exchange);
    exchange.sendResponseHeaders(outcome.status(), bytes.length == 0 ? -1 : bytes.length);
    exchange.getResponseBody().write(bytes);
    if (outcome.status() / 100 == 2) {
      concurrency.answered(
          exchange.getRequestHeaders().getFirst("Idempotency-Key"), clock.instant());
    }
  }

  private void releaseSlot(HttpExchange exchange) {
    Admitted a = admitted.get();
    if (a != null) {
      admitted.remove();
      limit.release(a.key());
    }
  }

  /** Waits {@code duration}; true when the simulator is stopping meanwhile. */
  private boolean waitUnlessStopping(Duration duration) {
    if (duration.isZero()) {
      return stopping.getCount() == 0;
    }
    try {
      return stopping.await(duration.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }
}
