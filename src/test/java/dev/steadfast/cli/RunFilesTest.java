package dev.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.steadfast.cli.ValidateCommandTest.Result;
import dev.steadfast.local.StateDirLock;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `steadfast run`: file-system problems are one line and exit 2, before the first call; exit 3. */
class RunFilesTest {
  @TempDir Path dir;
  HttpServer server;
  final AtomicInteger calls = new AtomicInteger();

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  /** A loopback server answering 404 to the first {@code failures} calls, then 200. */
  String serve(int failures) throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          int n = calls.incrementAndGet();
          byte[] body = "{\"ok\": true}".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(n <= failures ? 404 : 200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/x";
  }

  Path task(String url, String extraSpec) throws Exception {
    Path file = dir.resolve("task.yaml");
    Files.writeString(
        file,
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: t}\nspec:\n"
            + extraSpec
            + "  policy: {retry: {maxAttempts: 1}}\n  steps:\n    - name: a\n      http: {url: '"
            + url
            + "'}\n");
    return file;
  }

  Result run(Path file, String... more) {
    String[] args = new String[more.length + 4];
    args[0] = "run";
    args[1] = file.toString();
    args[2] = "--quiet";
    args[3] = "--state-dir=" + dir.resolve("state");
    System.arraycopy(more, 0, args, 4, more.length);
    return ValidateCommandTest.run(args);
  }

  static void assertOneLine(Result r, String... parts) {
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertThat(r.err().lines().toList())
        .singleElement()
        .satisfies(l -> assertThat(l).contains(parts).doesNotContain("Exception\tat"));
  }

  @Test
  void aCorruptCheckpointIsOneLineAndNothingRuns() throws Exception {
    Path file = task(serve(0), "");
    Files.createDirectories(dir.resolve("state/t"));
    Files.writeString(dir.resolve("state/t/status.json"), "{\"phase\": \"Runn");
    Result r = run(file);
    assertOneLine(r, "status.json", "cannot be read");
    assertThat(calls).hasValue(0);
  }

  @Test
  void aStateDirThatIsAFileOrUnderAFileIsOneLine() throws Exception {
    Path file = task(serve(0), "");
    Files.writeString(dir.resolve("state"), "x");
    assertOneLine(run(file), "--state-dir", "not a directory");
    assertOneLine(
        ValidateCommandTest.run(
            "run", file.toString(), "--state-dir", dir.resolve("state/below").toString()),
        "--state-dir",
        "not writable");
    assertThat(calls).hasValue(0);
  }

  @Test
  void anUnwritableStatusOutIsFoundBeforeTheFirstCall() throws Exception {
    Path file = task(serve(0), "");
    Files.writeString(dir.resolve("afile"), "x");
    assertOneLine(
        run(file, "--status-out", dir.resolve("afile/status.yaml").toString()), "--status-out");
    assertOneLine(run(file, "--status-out", dir.toString()), "--status-out", "is a directory");
    assertThat(calls).hasValue(0);
  }

  @Test
  void aMissingSecretsDirIsFoundBeforeTheFirstCall() throws Exception {
    Path file = task(serve(0), "");
    assertOneLine(
        run(file, "--secrets-dir", dir.resolve("nope").toString()),
        "--secrets-dir",
        "no such directory");
    assertThat(calls).hasValue(0);
  }

  @Test
  void aSecondRunOnTheSameStateDirIsRefused() throws Exception {
    Path file = task(serve(0), "");
    Files.createDirectories(dir.resolve("state"));
    try (StateDirLock held = StateDirLock.acquire(dir.resolve("state"))) {
      assertOneLine(run(file), "in use by another `steadfast run`");
      assertThat(calls).hasValue(0);
    }
    assertThat(run(file).code()).isZero();
    assertThat(calls).hasValue(1);
  }

  @Test
  void aSuspendedTaskExitsThree() throws Exception {
    Path file = task(serve(0), "  suspend: true\n");
    Result r = run(file);
    assertThat(r.code()).as(r.err()).isEqualTo(3);
    assertThat(calls).hasValue(0);
  }

  @Test
  void retryRunsAFailedTaskAgainFromItsCheckpoint() throws Exception {
    Path file = task(serve(1), "");
    assertThat(run(file).code()).as("404 is Fatal NotFound").isEqualTo(1);
    assertThat(run(file).code()).as("resumed, still Failed").isEqualTo(1);
    assertThat(calls).as("a Failed task is not run again without --retry").hasValue(1);

    Path status = dir.resolve("status.yaml");
    Result r = run(file, "--retry", "--status-out", status.toString());

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(calls).hasValue(2);
    assertThat(Files.readString(status)).contains("phase: Succeeded");
  }
}
