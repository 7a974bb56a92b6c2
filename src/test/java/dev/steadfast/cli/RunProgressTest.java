package dev.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.steadfast.cli.ValidateCommandTest.Result;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `steadfast run` prints a line for a wait on an open breaker and for each failed item. */
class RunProgressTest {
  @TempDir Path dir;
  HttpServer server;
  final AtomicInteger calls = new AtomicInteger();

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  /** A loopback server whose status for a call depends on the call's number and path. */
  String serve(IntUnaryOperator statusOfCall, String failPath) throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          int n = calls.incrementAndGet();
          int code =
              ex.getRequestURI().getPath().equals(failPath) ? 404 : statusOfCall.applyAsInt(n);
          byte[] body = "{\"ok\": true}".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(code, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  String run(String spec) throws Exception {
    Path file = dir.resolve("task.yaml");
    Files.writeString(
        file, "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: t}\n" + spec);
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      Result r =
          ValidateCommandTest.run("run", file.toString(), "--state-dir=" + dir.resolve("state"));
      assertThat(r.code()).as(r.err() + out).isZero();
    } finally {
      System.setOut(saved);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aFailedItemPrintsALine() throws Exception {
    String base = serve(n -> 200, "/items/1");
    String out =
        run(
            "spec:\n  steps:\n    - name: each\n"
                + "      forEach: {items: '[0, 1, 2]', toleratedFailures: 1}\n"
                + "      http: {url: '"
                + base
                + "/items/{{ item }}'}\n");
    assertThat(out.lines().filter(l -> l.contains("ItemFailed")).toList())
        .singleElement()
        .satisfies(l -> assertThat(l).contains("each").contains("item 1: NotFound"));
  }

  @Test
  void aWaitOnAnOpenBreakerPrintsALine() throws Exception {
    String base = serve(n -> n <= 2 ? 500 : 200, null);
    String out =
        run(
            "spec:\n  policy:\n    retry: {maxAttempts: 5, backoff: {initialDelay: 10ms, jitter: None}}\n"
                + "    circuitBreaker: {minimumCalls: 2, slidingWindowSize: 2,"
                + " failureRateThreshold: 50, openDuration: 1s, halfOpenCalls: 1}\n"
                + "  steps:\n    - name: call\n      http: {url: '"
                + base
                + "/x'}\n");
    assertThat(out.lines().filter(l -> l.contains("CircuitOpen ")).toList())
        .isNotEmpty()
        .allSatisfy(l -> assertThat(l).contains("call").contains("the breaker is open; waiting"));
    assertThat(calls).hasValue(3);
  }
}
