package dev.steadfast.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * `steadfast operator` as its own JVM, started the way the image starts it ({@code java -cp ...
 * dev.steadfast.cli.Main operator}), so the benchmark measures what ships and depends on nothing
 * inside the operator but its command line, its /readyz and the process's own /proc entries.
 */
final class OperatorProcess implements AutoCloseable {
  /** Extra JVM options for the operator, space-separated (e.g. GC settings under test). */
  static final List<String> JVM_OPTIONS =
      Arrays.stream(System.getProperty("bench.operator.jvm", "").trim().split("\\s+"))
          .filter(s -> !s.isEmpty())
          .toList();

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private static final Pattern HEAP_USED =
      Pattern.compile("(?m)^\\s*\\S.*?heap\\s+total\\s+\\d+K,\\s+used\\s+(\\d+)K");

  private final Process process;
  private final int healthPort;
  private final long launchedNanos;
  final Path log;

  private OperatorProcess(Process process, int healthPort, long launchedNanos, Path log) {
    this.process = process;
    this.healthPort = healthPort;
    this.launchedNanos = launchedNanos;
    this.log = log;
  }

  /**
   * Starts the operator watching {@code namespace} only, allowed to reach loopback (the simulator).
   *
   * @param flags further operator flags, e.g. {@code --max-concurrent-steps=256}
   */
  static OperatorProcess launch(Path kubeconfig, String namespace, Path log, String... flags)
      throws IOException {
    int healthPort = freePort();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_OPTIONS);
    cmd.addAll(List.of("-cp", operatorClasspath(), "dev.steadfast.cli.Main", "operator"));
    cmd.addAll(
        List.of(
            "--namespaces",
            namespace,
            "--metrics-port",
            String.valueOf(freePort()),
            "--health-port",
            String.valueOf(healthPort),
            // SPEC §6: loopback is refused unless allowed; the simulator listens on 127.0.0.1.
            "--egress-allow=127.0.0.1/8,localhost"));
    cmd.addAll(List.of(flags));
    Files.createDirectories(log.getParent());
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    pb.environment().put("POD_NAMESPACE", namespace);
    pb.environment().remove("STEADFAST_CHAOS");
    pb.environment().remove("JAVA_TOOL_OPTIONS");
    long launched = System.nanoTime();
    Process process = pb.start();
    // an operator left behind by a benchmark that died would keep running steps
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    return new OperatorProcess(process, healthPort, launched, log);
  }

  /**
   * The benchmark's own class path without the test classes: the operator's classes and the
   * libraries (test-only jars are on it too, but nothing loads them).
   */
  static String operatorClasspath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !e.replace('\\', '/').endsWith("/test-classes"))
        .reduce((a, b) -> a + File.pathSeparator + b)
        .orElseThrow();
  }

  long pid() {
    return process.pid();
  }

  /**
   * Polls /readyz every 10 ms until it answers 200 and returns the time since launch.
   *
   * @throws IllegalStateException when the process exits or {@code timeout} passes first
   */
  Duration awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpRequest readyz =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/readyz"))
            .timeout(Duration.ofSeconds(2))
            .build();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "operator exited with " + process.exitValue() + " before /readyz; see " + log);
      }
      try {
        if (HTTP.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return Duration.ofNanos(System.nanoTime() - launchedNanos);
        }
      } catch (IOException notListeningYet) {
        // the health server binds during start-up
      }
      Thread.sleep(10);
    }
    throw new IllegalStateException("operator not ready within " + timeout + "; see " + log);
  }

  /** Resident set size from /proc/PID/status, in MiB. */
  double rssMiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/" + pid() + "/status");
  }

  /** Heap in use now, in MiB, as the JVM reports it ({@code jcmd PID GC.heap_info}). */
  double heapUsedMiB() throws IOException, InterruptedException {
    String info = jcmd("GC.heap_info");
    Matcher m = HEAP_USED.matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("cannot read the heap from jcmd: " + info);
    }
    return Long.parseLong(m.group(1)) / 1024.0;
  }

  /** Live heap: heap in use right after a full GC ({@code jcmd PID GC.run}). */
  double liveHeapMiB() throws IOException, InterruptedException {
    jcmd("GC.run");
    return heapUsedMiB();
  }

  private String jcmd(String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), String.valueOf(pid()), command)
            .redirectErrorStream(true)
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(
          "jcmd " + command + " failed: " + new String(out, StandardCharsets.UTF_8));
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  /** SIGKILL (what {@code destroyForcibly} sends on Linux), and waits for the process to go. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, a normal shutdown as in a rollout; SIGKILL if it takes longer than 30 s. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
