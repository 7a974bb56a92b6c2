package dev.steadfast.bench;

import dev.steadfast.e2e.KubeApiServer;
import dev.steadfast.simulator.LlmSimulator;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How fast the packaged jar starts and how much memory an idle operator holds, as medians over
 * several runs, for the plain {@code java -jar} start and for the tuned one (bin/steadfast: the
 * AppCDS archive, and for the operator the chart's JVM options):
 *
 * <ul>
 *   <li>{@code steadfast run}: from spawning the JVM to the first request the simulator receives,
 *       on a five-step llm task; and to the process's exit.
 *   <li>{@code steadfast operator} against the real API server of scripts/setup-apiserver.sh: from
 *       spawning the JVM to /readyz answering 200; and VmRSS after it has been idle for {@code
 *       -Dbench.idle} seconds (default 30).
 * </ul>
 *
 * Run: {@code ./mvnw -q package -DskipTests exec:java@bench-startup}; {@code -Dbench.runs=N}
 * (default 7) and {@code -Dbench.rssRuns=N} (default 3) set the repetitions, {@code
 * -Dbench.only=run} or {@code operator} one half. Variants are measured interleaved, so a load
 * change on the machine touches them alike.
 */
public final class StartupBenchmark {
  static final Path JAR = Path.of("target", "steadfast.jar").toAbsolutePath();
  static final Path ARCHIVE = Path.of("target", "steadfast.jsa").toAbsolutePath();
  static final Path LAUNCHER = Path.of("bin", "steadfast").toAbsolutePath();
  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  /**
   * The chart's default JVM options (values.yaml {@code jvmOptions}), with the pod's memory limit
   * (512Mi) given as MaxRAM and the image's MaxRAMPercentage; {@code -Dbench.chart} to try others.
   */
  static final List<String> CHART =
      List.of(
          System.getProperty(
                  "bench.chart",
                  "-XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:+UseSerialGC"
                      + " -XX:TieredStopAtLevel=1")
              .split(" "));

  record Variant(String name, List<String> command, Map<String, String> env) {}

  public static void main(String[] args) throws Exception {
    int runs = Integer.getInteger("bench.runs", 7);
    int rssRuns = Integer.getInteger("bench.rssRuns", 3);
    int idle = Integer.getInteger("bench.idle", 30);
    System.out.printf(
        "StartupBenchmark: %s, %d cores, load %s, %s%n",
        System.getProperty("java.vm.version"),
        Runtime.getRuntime().availableProcessors(),
        Files.readString(Path.of("/proc/loadavg")).strip(),
        Files.exists(ARCHIVE) ? "archive " + ARCHIVE : "NO archive (built with -Dcds.skip?)");
    String only = System.getProperty("bench.only", ""); // run or operator
    if (!only.equals("operator")) {
      benchRun(runs);
    }
    if (!only.equals("run")) {
      benchOperator(runs, rssRuns, idle);
    }
  }

  static final String OFF = "-Dsteadfast.warmup.off=true";

  static List<Variant> runVariants() {
    List<Variant> v = new ArrayList<>();
    v.add(
        new Variant(
            "java -jar, no warm-up (before)",
            List.of(JAVA, OFF, "-jar", JAR.toString()),
            Map.of()));
    v.add(new Variant("java -jar (warm-up)", List.of(JAVA, "-jar", JAR.toString()), Map.of()));
    v.add(
        new Variant(
            "java -jar + AppCDS (warm-up)",
            List.of(JAVA, "-XX:SharedArchiveFile=" + ARCHIVE, "-jar", JAR.toString()),
            Map.of()));
    v.add(
        new Variant(
            "bin/steadfast (AppCDS, Serial, C1, warm-up)",
            List.of(LAUNCHER.toString()),
            Map.of("JAVA_HOME", System.getProperty("java.home"))));
    return v;
  }

  static List<Variant> operatorVariants() {
    List<Variant> v = new ArrayList<>();
    v.add(
        new Variant(
            "java -jar, no warm-up (before)",
            List.of(JAVA, OFF, "-jar", JAR.toString()),
            Map.of()));
    v.add(new Variant("java -jar (warm-up)", List.of(JAVA, "-jar", JAR.toString()), Map.of()));
    v.add(
        new Variant(
            "java -jar + AppCDS (warm-up)",
            List.of(JAVA, "-XX:SharedArchiveFile=" + ARCHIVE, "-jar", JAR.toString()),
            Map.of()));
    v.add(
        new Variant(
            "bin/steadfast + chart jvmOptions (all)",
            List.of(LAUNCHER.toString()),
            Map.of(
                "JAVA_HOME",
                System.getProperty("java.home"),
                "JAVA_OPTS",
                String.join(" ", CHART))));
    return v;
  }

  // ---- steadfast run

  static String fiveSteps(String sim) {
    StringBuilder y =
        new StringBuilder(
            "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: bench}\nspec:\n"
                + "  inputs: {ticket: 'the checkout page times out'}\n  steps:\n");
    for (int i = 1; i <= 5; i++) {
      y.append("    - name: s")
          .append(i)
          .append("\n      llm:\n        endpoint: ")
          .append(sim)
          .append("/v1\n        model: gpt-4o\n")
          .append("        apiKeySecretRef: {name: llm-credentials, key: api-key}\n")
          .append("        messages: [{role: user, content: 'Step ")
          .append(i)
          .append(" of {{ inputs.ticket }}'}]\n");
    }
    return y.toString();
  }

  static void benchRun(int runs) throws Exception {
    List<Variant> variants = runVariants();
    Map<String, List<Double>> first = new LinkedHashMap<>();
    Map<String, List<Double>> exit = new LinkedHashMap<>();
    Path work = Files.createTempDirectory("steadfast-bench-run");
    Files.createDirectories(work.resolve("secrets/llm-credentials"));
    Files.writeString(work.resolve("secrets/llm-credentials/api-key"), "sk-bench");
    try (LlmSimulator sim = LlmSimulator.builder().port(0).build().start()) {
      Path task = work.resolve("task.yaml");
      Files.writeString(task, fiveSteps(sim.baseUrl()));
      for (int r = -1; r < runs; r++) { // round -1 warms the page cache, not counted
        for (Variant v : variants) {
          sim.reset();
          Path state = Files.createTempDirectory(work, "state");
          List<String> cmd = new ArrayList<>(v.command());
          cmd.addAll(
              List.of(
                  "run",
                  task.toString(),
                  "--quiet",
                  "--state-dir",
                  state.toString(),
                  "--secrets-dir",
                  work.resolve("secrets").toString()));
          ProcessBuilder pb =
              new ProcessBuilder(cmd)
                  .redirectErrorStream(true)
                  .redirectOutput(work.resolve("run.log").toFile());
          pb.environment().putAll(v.env());
          long t0 = System.nanoTime();
          Process p = pb.start();
          double firstMs = -1;
          while (p.isAlive() || firstMs < 0) {
            if (firstMs < 0 && !sim.requests().isEmpty()) {
              firstMs = (System.nanoTime() - t0) / 1e6;
            }
            if (!p.isAlive() && firstMs < 0) {
              break;
            }
            Thread.sleep(1);
          }
          p.waitFor(60, TimeUnit.SECONDS);
          double exitMs = (System.nanoTime() - t0) / 1e6;
          if (p.exitValue() != 0 || sim.requests().size() < 5) {
            throw new IllegalStateException(
                v.name() + ": run failed: " + Files.readString(work.resolve("run.log")));
          }
          if (r >= 0) {
            first.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(firstMs);
            exit.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(exitMs);
          }
        }
      }
    }
    System.out.printf("%nsteadfast run, 5 llm steps, %d runs each (median, min-max ms)%n", runs);
    for (Variant v : variants) {
      System.out.printf(
          "  %-46s spawn->first request %s   spawn->exit %s%n",
          v.name(), summary(first.get(v.name())), summary(exit.get(v.name())));
    }
  }

  // ---- steadfast operator

  static void benchOperator(int runs, int rssRuns, int idle) throws Exception {
    List<Variant> variants = operatorVariants();
    Map<String, List<Double>> ready = new LinkedHashMap<>();
    Map<String, List<Double>> rss = new LinkedHashMap<>();
    Path log = Files.createTempFile("steadfast-bench-operator", ".log");
    try (KubeApiServer api = KubeApiServer.start()) {
      api.installCrd();
      for (int i = 0; i < variants.size(); i++) {
        api.namespace("bench-" + i);
      }
      for (int r = -1; r < runs; r++) {
        for (int i = 0; i < variants.size(); i++) {
          Running o = launch(api, variants.get(i), "bench-" + i, log);
          try {
            double ms = o.awaitReady();
            if (r >= 0) {
              ready.computeIfAbsent(variants.get(i).name(), k -> new ArrayList<>()).add(ms);
            }
          } finally {
            o.stop();
          }
        }
      }
      for (int r = 0; r < rssRuns; r++) {
        List<Running> all = new ArrayList<>();
        try {
          for (int i = 0; i < variants.size(); i++) {
            all.add(launch(api, variants.get(i), "bench-" + i, log));
          }
          for (Running o : all) {
            o.awaitReady();
          }
          Thread.sleep(TimeUnit.SECONDS.toMillis(idle));
          for (int i = 0; i < variants.size(); i++) {
            rss.computeIfAbsent(variants.get(i).name(), k -> new ArrayList<>())
                .add(all.get(i).rssMb());
          }
        } finally {
          for (Running o : all) {
            o.stop();
          }
        }
      }
    }
    System.out.printf(
        "%nsteadfast operator, real kube-apiserver, %d starts each, %d x %d s idle (median,"
            + " min-max)%n",
        runs, rssRuns, idle);
    for (Variant v : variants) {
      System.out.printf(
          "  %-46s start->readyz %s ms   idle VmRSS %s MB%n",
          v.name(), summary(ready.get(v.name())), summary(rss.get(v.name())));
    }
  }

  record Running(Process process, int healthPort, long started, Path log) {
    double awaitReady() throws Exception {
      long deadline = started + TimeUnit.SECONDS.toNanos(120);
      while (readyz(healthPort) != 200) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("the operator never got ready; see " + log);
        }
        Thread.sleep(5);
      }
      return (System.nanoTime() - started) / 1e6;
    }

    double rssMb() throws IOException {
      // The launcher execs java, so the pid is the JVM's.
      for (String line : Files.readAllLines(Path.of("/proc", process.pid() + "", "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
        }
      }
      throw new IllegalStateException("no VmRSS for " + process.pid());
    }

    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  static Running launch(KubeApiServer api, Variant v, String namespace, Path log)
      throws IOException {
    int health = freePort();
    List<String> cmd = new ArrayList<>(v.command());
    cmd.addAll(
        List.of(
            "operator",
            "--namespaces",
            namespace,
            "--health-port",
            String.valueOf(health),
            "--metrics-port",
            String.valueOf(freePort())));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(v.env());
    pb.environment().put("KUBECONFIG", api.kubeconfig().toString());
    pb.environment().put("POD_NAMESPACE", namespace);
    long t0 = System.nanoTime();
    return new Running(pb.start(), health, t0, log);
  }

  static int readyz(int port) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                  .timeout(Duration.ofSeconds(2))
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

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static String summary(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(Double::compare);
    int n = sorted.size();
    double median =
        n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return String.format("%6.0f (%.0f-%.0f)", median, sorted.get(0), sorted.get(n - 1));
  }
}
