package dev.steadfast.build;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
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
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Builds the AppCDS archive shipped next to the jar (target/steadfast.jsa), at package time: the
 * classes `steadfast run` and `steadfast operator` load, parsed, verified and laid out once, so
 * that a start maps them instead of reading them from a 33 MB jar.
 *
 * <p>Training: the packaged jar runs as users run it (its own JVM, {@code -jar}), once as {@code
 * run} on a task against the simulator and once as {@code operator} against fabric8's mock API
 * server (over TLS, named by a kubeconfig file) until a task succeeds, each with {@code
 * -XX:DumpLoadedClassList}. Both lists, merged, go to a static dump ({@code -Xshare:dump}), which
 * holds the JDK's classes too, so the archive replaces the JDK's default one. Only loopback is
 * used. The archive is only valid for the exact jar (path, size and time) and JVM build that made
 * it; the JVM ignores it otherwise ({@code -Xshare:auto}), and bin/steadfast does not pass it when
 * it is older than the jar.
 *
 * <p>Arguments: the jar, the archive to write. Skip with {@code -Dcds.skip}.
 */
public final class CdsTraining {
  static final Duration TIMEOUT = Duration.ofSeconds(120);
  // The mock API server logs every request through java.util.logging; the build needs none. Held
  // here because java.util.logging keeps loggers only weakly.
  static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  private CdsTraining() {}

  public static void main(String[] args) throws Exception {
    MOCK_LOG.setLevel(Level.WARNING);
    Path jar = Path.of(args.length > 0 ? args[0] : "target/steadfast.jar").toAbsolutePath();
    Path archive = Path.of(args.length > 1 ? args[1] : "target/steadfast.jsa").toAbsolutePath();
    long started = System.nanoTime();
    Path work = Files.createTempDirectory("steadfast-cds");
    Path classList = archive.resolveSibling(archive.getFileName() + ".classlist");
    Files.deleteIfExists(archive);
    try (LlmSimulator sim = LlmSimulator.builder().port(0).build().start()) {
      // Both at once: each is mostly one thread waiting on the other side.
      Path runList = work.resolve("run.classlist");
      CompletableFuture<Void> run =
          CompletableFuture.runAsync(
              () -> {
                try {
                  trainRun(jar, sim, work, runList);
                } catch (Exception e) {
                  throw new CompletionException(e);
                }
              });
      Path operatorList = work.resolve("operator.classlist");
      trainOperator(jar, sim, work, operatorList);
      run.join();
      Files.write(classList, merge(runList, operatorList));
    }
    dump(java(), jar.toString(), classList, archive, work);
    System.out.printf(
        "AppCDS archive %s: %d classes, %d MB, trained and dumped in %.1f s%n",
        archive,
        Files.readAllLines(classList).stream().filter(l -> !l.startsWith("#")).count(),
        Files.size(archive) >> 20,
        (System.nanoTime() - started) / 1e9);
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** A task with an http step, a forEach of llm calls and an llm step with an output schema. */
  static String task(String name, String namespace, String sim) {
    return """
        apiVersion: steadfast.dev/v1alpha1
        kind: AgentTask
        metadata: {name: NAME, namespace: NS}
        spec:
          inputs: {topic: training}
          policy:
            timeout: 10s
            retry: {maxAttempts: 3, backoff: {initialDelay: 100ms, maxDelay: 1s}}
          steps:
            - name: fetch
              http: {url: 'SIM/items?count=2', output: {select: 'response.body.items'}}
            - name: each
              forEach: {items: 'steps.fetch.output', concurrency: 2}
              llm:
                endpoint: SIM/v1
                model: worker
                apiKeySecretRef: {name: llm-credentials, key: api-key}
                messages: [{role: user, content: 'Describe {{ item.title }} for {{ inputs.topic }}'}]
            - name: summary
              llm:
                endpoint: SIM/v1
                model: writer
                apiKeySecretRef: {name: llm-credentials, key: api-key}
                responseFormat: json
                outputSchema:
                  type: object
                  required: [summary]
                  properties: {summary: {type: string}}
                messages: [{role: user, content: 'Summarise {{ steps.each.output }}'}]
              fallbacks:
                - value: {summary: none}
        """
        .replace("NAME", name)
        .replace("NS", namespace)
        .replace("SIM", sim);
  }

  static void trainRun(Path jar, LlmSimulator sim, Path work, Path classList) throws Exception {
    Path file = work.resolve("task.yaml");
    Files.writeString(file, task("cds-run", "default", sim.baseUrl()));
    Path secrets = work.resolve("secrets/llm-credentials");
    Files.createDirectories(secrets);
    Files.writeString(secrets.resolve("api-key"), "sk-training");
    Process p =
        new ProcessBuilder(
                java(),
                "-XX:DumpLoadedClassList=" + classList,
                "-jar",
                jar.toString(),
                "run",
                file.toString(),
                "--state-dir",
                work.resolve("state").toString(),
                "--secrets-dir",
                work.resolve("secrets").toString(),
                "--status-out",
                work.resolve("status.yaml").toString())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("run.log").toFile())
            .start();
    if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "CDS training: `steadfast run` failed: " + Files.readString(work.resolve("run.log")));
    }
  }

  static void trainOperator(Path jar, LlmSimulator sim, Path work, Path classList)
      throws Exception {
    KubernetesMockServer api =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(List.of()),
            // TLS, as every real API server: the handshake's classes are a good part of the start
            true);
    api.init();
    try (KubernetesClient client = api.createClient()) {
      String ns = "default";
      client
          .secrets()
          .inNamespace(ns)
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("llm-credentials")
                  .addToAnnotations("steadfast.dev/allowed-hosts", "127.0.0.1")
                  .endMetadata()
                  .addToStringData("api-key", "sk-training")
                  .build())
          .create();
      int health = freePort();
      int metrics = freePort();
      ProcessBuilder pb =
          new ProcessBuilder(
                  java(),
                  "-XX:DumpLoadedClassList=" + classList,
                  "-jar",
                  jar.toString(),
                  "operator",
                  "--namespaces",
                  ns,
                  "--health-port",
                  String.valueOf(health),
                  "--metrics-port",
                  String.valueOf(metrics),
                  "--egress-allow=127.0.0.1/8")
              .redirectErrorStream(true)
              .redirectOutput(work.resolve("operator.log").toFile());
      // The API server from a kubeconfig file, as out of the cluster (and in the benchmark): the
      // client's YAML reader and kubeconfig handling are a few hundred classes of the start.
      Path kubeconfig = work.resolve("kubeconfig");
      Files.writeString(kubeconfig, kubeconfig(client.getMasterUrl().toString(), ns));
      Map<String, String> env = pb.environment();
      env.put("KUBECONFIG", kubeconfig.toString());
      env.remove("KUBERNETES_MASTER");
      env.put("POD_NAMESPACE", ns);
      env.remove("STEADFAST_CHAOS");
      Process p = pb.start();
      try {
        await("/readyz", p, work, () -> get(health, "/readyz") == 200);
        AgentTask task =
            Json.YAML.readValue(task("cds-operator", ns, sim.baseUrl()), AgentTask.class);
        client.resource(task).create();
        await(
            "the task's success",
            p,
            work,
            () -> {
              AgentTask t = client.resource(task).get();
              return t != null
                  && t.getStatus() != null
                  && t.getStatus().phase == TaskPhase.Succeeded;
            });
        get(metrics, "/metrics");
      } finally {
        // SIGTERM: the shutdown path is part of the training too.
        p.destroy();
        if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    } finally {
      api.destroy();
    }
  }

  /** A kubeconfig for the mock API server: its certificate is self-signed, the token unchecked. */
  static String kubeconfig(String server, String namespace) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
          - name: training
            cluster: {server: 'SERVER', insecure-skip-tls-verify: true}
        users:
          - name: training
            user: {token: training}
        contexts:
          - name: training
            context: {cluster: training, user: training, namespace: NS}
        current-context: training
        """
        .replace("SERVER", server)
        .replace("NS", namespace);
  }

  static void await(String what, Process p, Path work, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "CDS training: `steadfast operator` never reached "
                + what
                + ": "
                + Files.readString(work.resolve("operator.log")));
      }
      Thread.sleep(50);
    }
  }

  /** Both lists in order, each line once: a class is named before its lambda proxies. */
  static List<String> merge(Path... lists) throws IOException {
    Set<String> lines = new LinkedHashSet<>();
    for (Path list : lists) {
      lines.addAll(Files.readAllLines(list));
    }
    return new ArrayList<>(lines);
  }

  /**
   * A static dump of the classes listed. The class path must be given exactly as the archive's
   * users give it (JDK 17 checks each entry's path, size and modification time).
   */
  public static void dump(String java, String classPath, Path classList, Path archive, Path dir)
      throws Exception {
    Path log = Files.createTempFile("steadfast-cds-dump", ".log");
    Process p =
        new ProcessBuilder(
                java,
                "-Xshare:dump",
                "-XX:SharedClassListFile=" + classList.toAbsolutePath(),
                "-XX:SharedArchiveFile=" + archive.toAbsolutePath(),
                "-cp",
                classPath)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    // Warnings name the classes it cannot archive (picocli's are Java 5 class files); expected.
    if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)
        || p.exitValue() != 0
        || !Files.exists(archive)) {
      p.destroyForcibly();
      throw new IllegalStateException("CDS dump failed: " + Files.readString(log));
    }
    Files.delete(log);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static int get(int port, String path) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
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
}
