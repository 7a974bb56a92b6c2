package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthServerTest {
  static final HttpClient HTTP = HttpClient.newHttpClient();

  AtomicBoolean ready = new AtomicBoolean(false);
  HealthServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop();
    }
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    return request(port, path, "GET");
  }

  static HttpResponse<String> request(int port, String path, String method) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesMetricsAndProbesOnSeparatePorts() throws Exception {
    server = new HealthServer(0, 0, () -> "steadfast_tasks{phase=\"Running\"} 1.0\n", ready::get);
    server.start();
    int metrics = server.metricsPort();
    int health = server.healthPort();
    assertThat(metrics).isNotEqualTo(health).isPositive();

    HttpResponse<String> scrape = get(metrics, "/metrics");
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.headers().firstValue("Content-Type"))
        .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain; version=0.0.4"));
    assertThat(scrape.body()).contains("steadfast_tasks");

    assertThat(get(health, "/healthz").body()).isEqualTo("ok");
    assertThat(get(health, "/metrics").statusCode()).isEqualTo(404);
    assertThat(get(metrics, "/healthz").statusCode()).isEqualTo(404);
  }

  @Test
  void readyzFollowsTheSupplier() throws Exception {
    server = new HealthServer(0, 0, () -> "", ready::get).start();

    HttpResponse<String> notReady = get(server.healthPort(), "/readyz");
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(notReady.body()).isEqualTo("not ready");

    ready.set(true);
    HttpResponse<String> isReady = get(server.healthPort(), "/readyz");
    assertThat(isReady.statusCode()).isEqualTo(200);
    assertThat(isReady.body()).isEqualTo("ready");
    assertThat(get(server.healthPort(), "/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  void equalPortsShareOneListener() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    server = new HealthServer(port, port, () -> "m 1.0\n", () -> true).start();

    assertThat(server.metricsPort()).isEqualTo(port).isEqualTo(server.healthPort());
    assertThat(get(port, "/metrics").body()).isEqualTo("m 1.0\n");
    assertThat(get(port, "/healthz").body()).isEqualTo("ok");
    assertThat(get(port, "/readyz").body()).isEqualTo("ready");
  }

  @Test
  void onlyExactPathsAndReadMethods() throws Exception {
    server = new HealthServer(0, 0, () -> "", () -> true).start();

    assertThat(get(server.healthPort(), "/healthzz").statusCode()).isEqualTo(404);
    assertThat(get(server.healthPort(), "/").statusCode()).isEqualTo(404);
    HttpResponse<String> post = request(server.healthPort(), "/healthz", "POST");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    assertThat(request(server.healthPort(), "/healthz", "HEAD").statusCode()).isEqualTo(200);
  }

  @Test
  void failingSuppliersAnswer5xxAndTheServerKeepsServing() throws Exception {
    server =
        new HealthServer(
                0,
                0,
                () -> {
                  throw new IllegalStateException("registry closed");
                },
                () -> {
                  throw new IllegalStateException("no informer");
                })
            .start();

    assertThat(get(server.metricsPort(), "/metrics").statusCode()).isEqualTo(500);
    assertThat(get(server.healthPort(), "/readyz").statusCode()).isEqualTo(503);
    assertThat(get(server.healthPort(), "/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  void aTakenPortFailsStartAndStopsClean() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      HealthServer clash = new HealthServer(0, taken.getLocalPort(), () -> "", () -> true);
      assertThatThrownBy(clash::start).isInstanceOf(UncheckedIOException.class);
    }
  }

  @Test
  void servesOnDaemonThreads() throws Exception {
    server = new HealthServer(0, 0, () -> "", () -> true).start();
    get(server.healthPort(), "/healthz");

    assertThat(Thread.getAllStackTraces().keySet())
        .filteredOn(t -> t.getName().startsWith("steadfast-http-"))
        .isNotEmpty()
        .allMatch(Thread::isDaemon);
  }
}
