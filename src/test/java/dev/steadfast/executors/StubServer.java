package dev.steadfast.executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.steadfast.engine.format.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/** A scriptable HTTP server on an ephemeral loopback port that records what it received. */
final class StubServer implements AutoCloseable {
  /** One request as the server saw it; header names are case-insensitive. */
  record Received(String method, String path, Map<String, List<String>> headers, String body) {
    String header(String name) {
      List<String> values = headers.get(name);
      return values == null || values.isEmpty() ? null : values.get(0);
    }

    JsonNode json() {
      try {
        return Json.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }
  }

  /** What to answer. */
  record Reply(int status, Map<String, String> headers, String body) {
    static Reply json(int status, String body) {
      return new Reply(status, Map.of("Content-Type", "application/json"), body);
    }
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile Function<Received, Reply> responder = r -> Reply.json(200, "{}");

  private StubServer(InetSocketAddress address) throws IOException {
    server = HttpServer.create(address, 0);
    server.createContext("/", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  static StubServer start() {
    return start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  /** A stub on this address, which must be a loopback one (tests never leave the machine). */
  static StubServer start(InetSocketAddress address) {
    if (!address.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException("stubs listen on loopback only: " + address);
    }
    try {
      return new StubServer(address);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  int port() {
    return server.getAddress().getPort();
  }

  void respond(Function<Received, Reply> responder) {
    this.responder = responder;
  }

  void respond(int status, String body) {
    respond(r -> Reply.json(status, body));
  }

  /** Never answers until the server is closed, like a server that hangs. */
  void hold() {
    respond(
        r -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return Reply.json(200, "{}");
        });
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  List<Received> received() {
    return received;
  }

  Received last() {
    if (received.isEmpty()) {
      throw new AssertionError("the stub received no request");
    }
    return received.get(received.size() - 1);
  }

  private void handle(HttpExchange exchange) throws IOException {
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.putAll(exchange.getRequestHeaders());
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Received request =
        new Received(
            exchange.getRequestMethod(), exchange.getRequestURI().getPath(), headers, body);
    received.add(request);
    Reply reply = responder.apply(request);
    reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
    byte[] bytes =
        reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    threads.shutdownNow();
  }
}
