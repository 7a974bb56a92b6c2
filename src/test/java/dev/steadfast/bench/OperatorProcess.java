package dev.steadfast.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.Json;
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
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * `steadfast operator` as its own JVM, started the way users run it: {@code bin/steadfast operator}
 * on the packaged jar, which passes the AppCDS archive built with it (target/steadfast.jsa), with
 * the chart's {@code jvmOptions} in {@code JDK_JAVA_OPTIONS} as the chart's Deployment sets them.
 * The benchmark depends on nothing inside the operator but its command line, its /readyz and the
 * process's own /proc entries.
 *
 * <p>Without an up-to-date jar (missing, or older than target/classes: it would run old code) it
 * falls back to {@code java -cp <classes and dependencies> dev.steadfast.cli.Main operator} with
 * the same options, and {@link #describe} says so and how to build the jar and its archive.
 */
final class OperatorProcess implements AutoCloseable {
  static final Path JAR = Path.of("target", "steadfast.jar").toAbsolutePath();
  static final Path ARCHIVE = Path.of("target", "steadfast.jsa").toAbsolutePath();
  static final Path LAUNCHER = Path.of("bin", "steadfast").toAbsolutePath();
  static final Path CHART_VALUES = Path.of("helm", "steadfast", "values.yaml");
  static final String BUILD = "./mvnw -q package -DskipTests";

  /**
   * JVM options for the operator: {@code -Dbench.operator.jvm} when given (e.g. GC settings under
   * test), the chart's {@code jvmOptions} otherwise.
   */
  static final List<String> JVM_OPTIONS = jvmOptions();

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  // One line per heap (G1: "garbage-first heap") or per generation (Serial: "def new generation",
  // "tenured generation"), each "total NK, used NK"; Metaspace lines have no "total".
  private static final Pattern HEAP_USED =
      Pattern.compile("(?m)^\\s*\\S.*?total\\s+\\d+K,\\s+used\\s+(\\d+)K");

  private final Process process;
  private final int healthPort;
  private final int metricsPort;
  private final long launchedNanos;
  final Path log;

  private OperatorProcess(
      Process process, int healthPort, int metricsPort, long launchedNanos, Path log) {
    this.process = process;
    this.healthPort = healthPort;
    this.metricsPort = metricsPort;
    this.launchedNanos = launchedNanos;
    this.log = log;
  }

  private static List<String> jvmOptions() {
    String given = System.getProperty("bench.operator.jvm", "").trim();
    String options = given.isEmpty() ? chartJvmOptions() : given;
    return Arrays.stream(options.split("\\s+")).filter(o -> !o.isEmpty()).toList();
  }

  /** {@code jvmOptions} of the chart's values.yaml: what the Deployment sets by default. */
  static String chartJvmOptions() {
    try {
      JsonNode values = Json.YAML.readTree(CHART_VALUES.toFile());
      return values.path("jvmOptions").asText("");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the chart's jvmOptions", e);
    }
  }

  /** Whether the benchmark runs the packaged jar through bin/steadfast (else {@code java -cp}). */
  static boolean jarUpToDate() {
    try {
      if (!Files.isRegularFile(JAR)) {
        return false;
      }
      FileTime jar = Files.getLastModifiedTime(JAR);
      try (Stream<Path> classes = Files.walk(Path.of("target", "classes"))) {
        return classes
            .filter(Files::isRegularFile)
            .allMatch(c -> lastModified(c).compareTo(jar) <= 0);
      }
    } catch (IOException e) {
      return false;
    }
  }

  private static FileTime lastModified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether bin/steadfast passes the archive: it exists and is not older than the jar. */
  static boolean archiveUsable() {
    try {
      return Files.isRegularFile(ARCHIVE)
          && Files.getLastModifiedTime(ARCHIVE).compareTo(Files.getLastModifiedTime(JAR)) >= 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** How the operator is started, in words, with what is missing and how to build it. */
  static String describe() {
    String options =
        JVM_OPTIONS.isEmpty()
            ? "JVM defaults"
            : "JDK_JAVA_OPTIONS=\"" + String.join(" ", JVM_OPTIONS) + "\"";
    String source =
        System.getProperty("bench.operator.jvm", "").isBlank()
            ? " (the chart's jvmOptions)"
            : " (-Dbench.operator.jvm)";
    if (!jarUpToDate()) {
      return "java -cp target/classes:<dependencies>, "
          + options
          + source
          + "; NO AppCDS archive: target/steadfast.jar is missing or older than target/classes"
          + " (build both with "
          + BUILD
          + ")";
    }
    if (!archiveUsable()) {
      return "bin/steadfast operator (target/steadfast.jar), "
          + options
          + source
          + "; NO AppCDS archive: target/steadfast.jsa is missing or older than the jar (build it"
          + " with "
          + BUILD
          + ", without -Dcds.skip)";
    }
    return "bin/steadfast operator (target/steadfast.jar + AppCDS target/steadfast.jsa), "
        + options
        + source;
  }

  /**
   * Starts the operator watching {@code namespace} only, allowed to reach loopback (the simulator).
   *
   * @param flags further operator flags, e.g. {@code --max-concurrent-steps=256}
   */
  static OperatorProcess launch(Path kubeconfig, String namespace, Path log, String... flags)
      throws IOException {
    int healthPort = freePort();
    int metricsPort = freePort();
    List<String> cmd = new ArrayList<>();
    boolean packaged = jarUpToDate();
    if (packaged) {
      // bash execs java: the process is the JVM itself
      cmd.addAll(List.of(LAUNCHER.toString(), "operator"));
    } else {
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(List.of("-cp", operatorClasspath(), "dev.steadfast.cli.Main", "operator"));
    }
    cmd.addAll(
        List.of(
            "--namespaces",
            namespace,
            "--metrics-port",
            String.valueOf(metricsPort),
            "--health-port",
            String.valueOf(healthPort),
            // docs/security.md: loopback is refused unless allowed; the simulator listens on
            // 127.0.0.1.
            "--egress-allow=127.0.0.1/8,localhost"));
    cmd.addAll(List.of(flags));
    Files.createDirectories(log.getParent());
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    pb.environment().put("POD_NAMESPACE", namespace);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("STEADFAST_JAR", JAR.toString());
    // As the chart's Deployment passes them (the java launcher reads this variable itself).
    pb.environment().put("JDK_JAVA_OPTIONS", String.join(" ", JVM_OPTIONS));
    pb.environment().remove("JAVA_OPTS");
    pb.environment().remove("STEADFAST_CHAOS");
    pb.environment().remove("JAVA_TOOL_OPTIONS");
    long launched = System.nanoTime();
    Process process = pb.start();
    // an operator left behind by a benchmark that died would keep running steps
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    return new OperatorProcess(process, healthPort, metricsPort, launched, log);
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

  /**
   * Whether the JVM mapped the AppCDS archive (/proc/PID/maps): with {@code -Xshare:auto} it runs
   * without one that does not match its jar or build, silently.
   */
  boolean archiveMapped() throws IOException {
    try (Stream<String> maps = Files.lines(Path.of("/proc", String.valueOf(pid()), "maps"))) {
      return maps.anyMatch(l -> l.endsWith(ARCHIVE.getFileName().toString()));
    }
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

  /** Time since launch. */
  Duration sinceLaunch() {
    return Duration.ofNanos(System.nanoTime() - launchedNanos);
  }

  /** The sum of a metric's samples on the operator's /metrics (0 when it has none yet). */
  double metric(String name) throws IOException, InterruptedException {
    HttpRequest metrics =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
            .timeout(Duration.ofSeconds(10))
            .build();
    String body = HTTP.send(metrics, HttpResponse.BodyHandlers.ofString()).body();
    double sum = 0;
    for (String line : body.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
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

  /**
   * Heap in use now (all generations), in MiB, as the JVM reports it ({@code jcmd PID
   * GC.heap_info}).
   */
  double heapUsedMiB() throws IOException, InterruptedException {
    String info = jcmd("GC.heap_info");
    Matcher m = HEAP_USED.matcher(info);
    long usedKiB = 0;
    boolean found = false;
    while (m.find()) {
      usedKiB += Long.parseLong(m.group(1));
      found = true;
    }
    if (!found) {
      throw new IllegalStateException("cannot read the heap from jcmd: " + info);
    }
    return usedKiB / 1024.0;
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
