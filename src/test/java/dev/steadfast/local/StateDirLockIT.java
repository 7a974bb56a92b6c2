package dev.steadfast.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two `steadfast run` processes on one state dir: the second is refused while the first runs. */
class StateDirLockIT {
  @TempDir Path dir;

  @Test
  void aSecondProcessOnTheSameStateDirExitsTwo() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          calls.incrementAndGet();
          try {
            release.await(60, TimeUnit.SECONDS); // holds the first run inside its attempt
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    Process first = null;
    try {
      Path file = dir.resolve("task.yaml");
      Files.writeString(
          file,
          "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: t}\nspec:\n"
              + "  policy: {timeout: 60s}\n  steps:\n    - name: a\n      http: {url: 'http://127.0.0.1:"
              + server.getAddress().getPort()
              + "/x'}\n");
      String state = dir.resolve("state").toString();
      first =
          CliProcess.builder(dir, "run", file.toString(), "--state-dir", state)
              .redirectOutput(dir.resolve("first.out").toFile())
              .redirectErrorStream(true)
              .start();
      await().atMost(Duration.ofSeconds(60)).until(() -> calls.get() == 1);

      CliProcess.Result second = CliProcess.run(dir, "run", file.toString(), "--state-dir", state);

      assertThat(second.exit()).as(second.all()).isEqualTo(2);
      assertThat(second.err().lines().toList())
          .singleElement()
          .satisfies(l -> assertThat(l).contains("is in use by another `steadfast run`"));
      assertThat(calls).as("the second run sent nothing").hasValue(1);
      release.countDown();
      assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(first.exitValue()).as(Files.readString(dir.resolve("first.out"))).isZero();
    } finally {
      release.countDown();
      if (first != null) {
        first.destroyForcibly();
      }
      server.stop(0);
    }
  }
}
