package dev.steadfast.e2e;

import static dev.steadfast.e2e.OperatorProcess.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/security.md "Bounded work", as a hostile tenant tries it: a forEach of 16 items, all at
 * once, each fetching a 15 MiB body, against an operator process whose heap is 384 MiB (what the
 * chart's 512Mi limit gives the JVM). Before bodies were capped this killed the operator with
 * OutOfMemoryError in seconds, for every namespace. Now each body is dropped at
 * --max-response-bytes, the step fails OutputTooLarge, the operator stays Ready, and another
 * namespace's task completes.
 */
@RealApiServer
class HostileTenantIT {
  static final String A = "hostile-a";
  static final String B = "calm-b";
  static final int ITEMS = 16;
  static final int BODY = 15 * 1024 * 1024;

  static KubernetesClient client;
  static HttpServer big;
  static HttpServer small;
  static ExecutorService bigThreads;
  static final AtomicInteger bigRequests = new AtomicInteger();
  static final AtomicLong bigWritten = new AtomicLong();
  static Process operator;
  static Path log;
  static int metricsPort;
  static int healthPort;

  @BeforeAll
  static void start(KubeApiServer apiServer) throws Exception {
    client = apiServer.client();
    apiServer.namespace(A);
    apiServer.namespace(B);
    apiServer.installCrd();
    big = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    bigThreads = Executors.newCachedThreadPool();
    big.setExecutor(bigThreads);
    big.createContext(
        "/",
        exchange -> {
          bigRequests.incrementAndGet();
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          // No Content-Length: the cap has to hold while the bytes arrive, not up front.
          exchange.sendResponseHeaders(200, 0);
          byte[] piece = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write('"');
            for (int sent = 0; sent < BODY; sent += piece.length) {
              out.write(piece);
              bigWritten.addAndGet(piece.length);
            }
            out.write('"');
          } catch (IOException e) {
            // the operator hung up, as it should
          } finally {
            exchange.close();
          }
        });
    big.start();
    small = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    small.createContext(
        "/",
        exchange -> {
          byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    small.start();
    operator = launch(apiServer);
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> readyz() == 200);
  }

  @AfterAll
  static void stop() throws Exception {
    if (operator != null && operator.isAlive()) {
      operator.destroy();
      if (!operator.waitFor(30, TimeUnit.SECONDS)) {
        operator.destroyForcibly();
      }
    }
    if (log != null) {
      System.out.println("---- operator output (tail)");
      List<String> lines = Files.readAllLines(log);
      lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.out::println);
    }
    if (big != null) {
      big.stop(0);
      bigThreads.shutdownNow();
    }
    if (small != null) {
      small.stop(0);
    }
  }

  static Process launch(KubeApiServer apiServer) throws IOException {
    metricsPort = freePort();
    healthPort = freePort();
    log = Files.createTempFile("steadfast-hostile", ".log");
    return OperatorProcess.start(
        apiServer,
        A,
        "hostile",
        log,
        List.of("-Xmx384m", "-XX:+ExitOnOutOfMemoryError"),
        List.of(
            "--namespaces",
            A + "," + B,
            "--max-concurrent-steps",
            "32",
            "--metrics-port",
            String.valueOf(metricsPort),
            "--health-port",
            String.valueOf(healthPort)));
  }

  @Test
  void sixteenFifteenMebibyteBodiesAtOnceFailOutputTooLargeAndTheOperatorKeepsServing()
      throws Exception {
    AtomicLong peakHeap = new AtomicLong();
    AtomicBoolean sampling = new AtomicBoolean(true);
    Thread sampler =
        new Thread(
            () -> {
              while (sampling.get()) {
                peakHeap.accumulateAndGet(heapUsed(), Math::max);
                try {
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    sampler.setDaemon(true);
    sampler.start();

    List<Integer> items = new ArrayList<>();
    for (int i = 1; i <= ITEMS; i++) {
      items.add(i);
    }
    apply(
        A,
        "flood",
        "  inputs: {n: "
            + items
            + "}\n"
            + "  steps:\n"
            + "    - name: fetch\n"
            + "      forEach: {items: inputs.n, concurrency: "
            + ITEMS
            + "}\n"
            + "      http: {url: 'http://127.0.0.1:"
            + big.getAddress().getPort()
            + "/big'}\n");
    await().atMost(Duration.ofSeconds(60)).until(() -> bigRequests.get() >= 1);
    apply(
        B,
        "calm",
        "  steps:\n"
            + "    - name: fetch\n"
            + "      http: {url: 'http://127.0.0.1:"
            + small.getAddress().getPort()
            + "/ok'}\n");

    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> phase(A, "flood") == TaskPhase.Failed && phase(B, "calm") != null);
    await().atMost(Duration.ofSeconds(60)).until(() -> phase(B, "calm") == TaskPhase.Succeeded);
    sampling.set(false);
    sampler.join();

    AgentTask flood = get(A, "flood");
    StepStatus step = flood.getStatus().steps.get(0);
    System.out.println("HostileTenantIT: flood status: " + Json.write(flood.getStatus().message));
    assertThat(step.phase.name()).isEqualTo("Failed");
    // docs/errors.md: a forEach step whose items fail is PartialFailure; its message says why they
    // did.
    assertThat(step.lastError.reason).isEqualTo("PartialFailure");
    assertThat(step.lastError.message)
        .contains("OutputTooLarge ×" + ITEMS)
        .contains("768 KiB")
        .contains("--max-response-bytes");
    // Every item asked once (a Fatal failure is not retried), and each body was dropped early.
    assertThat(bigRequests.get()).isBetween(1, ITEMS);
    assertThat(bigWritten.get()).isLessThan((long) ITEMS * BODY / 2);
    assertThat(operator.isAlive()).isTrue();
    assertThat(readyz()).isEqualTo(200);
    assertThat(peakHeap.get()).isPositive().isLessThan(384L * 1024 * 1024);
    System.out.printf(
        "HostileTenantIT: peak heap %d MiB (-Xmx384m) while %d items × %d MiB bodies ran at once;"
            + " %d requests, %d MiB sent by the server in all%n",
        peakHeap.get() / (1024 * 1024),
        ITEMS,
        BODY / (1024 * 1024),
        bigRequests.get(),
        bigWritten.get() / (1024 * 1024));
  }

  static void apply(String ns, String name, String spec) throws Exception {
    client
        .resource(
            Json.YAML.readValue(
                "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: "
                    + name
                    + ", namespace: "
                    + ns
                    + "}\nspec:\n"
                    + spec,
                AgentTask.class))
        .create();
  }

  static AgentTask get(String ns, String name) {
    return client.resources(AgentTask.class).inNamespace(ns).withName(name).get();
  }

  static TaskPhase phase(String ns, String name) {
    AgentTask t = get(ns, name);
    return t == null || t.getStatus() == null ? null : t.getStatus().phase;
  }

  static int readyz() {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/readyz"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static final Pattern HEAP =
      Pattern.compile(
          "^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*} ([0-9.eE+]+)$", Pattern.MULTILINE);

  /** The operator's heap in use, summed over its pools, from its /metrics. */
  static long heapUsed() {
    try {
      String metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      Matcher m = HEAP.matcher(metrics);
      double sum = 0;
      while (m.find()) {
        sum += Double.parseDouble(m.group(1));
      }
      return (long) sum;
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }
}
