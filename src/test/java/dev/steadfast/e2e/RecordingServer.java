package dev.steadfast.e2e;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A loopback HTTP server that keeps every request whole — request line, headers and body — so a
 * test can say what a host received: how many requests, and whether a canary value was among them.
 * The simulator drops credentials on purpose; this one is the attacker's server and keeps them.
 */
final class RecordingServer implements AutoCloseable {
  /** One request as received: method, path with query, every header, the body. */
  record Received(String method, String uri, String headers, String body) {
    boolean contains(String text) {
      return uri.contains(text) || headers.contains(text) || body.contains(text);
    }
  }

  /** What the server answers. */
  record Reply(int status, String body) {}

  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();

  /** Answers every request with what {@code reply} makes of it. */
  RecordingServer(String bindAddress, Function<Received, Reply> reply) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bindAddress), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          StringBuilder headers = new StringBuilder();
          exchange
              .getRequestHeaders()
              .forEach((k, v) -> headers.append(k).append(": ").append(v).append('\n'));
          Received r =
              new Received(
                  exchange.getRequestMethod(),
                  exchange.getRequestURI().toString(),
                  headers.toString(),
                  new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          received.add(r);
          Reply answer = reply.apply(r);
          byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(answer.status(), body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
