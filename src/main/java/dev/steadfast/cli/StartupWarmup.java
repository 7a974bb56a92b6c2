package dev.steadfast.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.engine.expr.Cel;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.validation.TaskValidator;
import dev.steadfast.executors.HttpTransport;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;

/**
 * Initialises, on a background thread, the libraries a command is about to need while the main
 * thread parses the command line, reads the task or connects to the API server: the manifest
 * validator (JSON Schema and the CRD's CEL rules), the CEL runtime, Jackson's AgentTask model, the
 * HTTP client and TLS; for the operator, fabric8's model and the Prometheus registry before its
 * start, and what a reconcile needs once it has started. That is most of the start's CPU time apart
 * from class loading, and on two cores it overlaps instead of adding up.
 *
 * <p>It only initialises what the command would initialise anyway (class initialisers, static
 * holders such as {@link TaskValidator#bundled()}), on a made-up task that reaches nothing: no
 * file, no network, no output. If something fails here it is ignored: the command meets it again on
 * its own path and reports it there.
 */
final class StartupWarmup {
  // A task touching what every task touches: an llm step with a template and an output schema.
  private static final String TASK =
      """
      apiVersion: steadfast.dev/v1alpha1
      kind: AgentTask
      metadata: {name: warmup}
      spec:
        inputs: {text: warmup}
        steps:
          - name: a
            llm:
              endpoint: http://127.0.0.1:9/v1
              model: m
              outputSchema: {type: object, properties: {s: {type: string}}}
              messages: [{role: user, content: 'Say {{ inputs.text }}'}]
        """;

  private StartupWarmup() {}

  /** Starts the warm-up for the subcommand {@code args[0]}, if it has one; returns at once. */
  static void forCommand(String... args) {
    // -Dsteadfast.warmup.off=true: for measuring what it buys (StartupBenchmark)
    if (args.length == 0 || Boolean.getBoolean("steadfast.warmup.off")) {
      return;
    }
    // One thread per list. The validator has a thread of its own: the main thread needs it
    // soonest and waits for it (a static holder) rather than building it twice; meanwhile the other
    // initialises the CEL runtime the validator is about to use, then what comes after validating.
    List<List<Runnable>> threads =
        switch (args[0]) {
          case "run" ->
              List.of(
                  List.of(StartupWarmup::validator),
                  List.of(StartupWarmup::cel, StartupWarmup::http, StartupWarmup::model));
          case "validate" ->
              List.of(List.of(StartupWarmup::validator), List.of(StartupWarmup::cel));
          // Only what the start itself goes through: fabric8's model mappings (the main thread
          // builds the client right after the command line) and the Prometheus registry. What
          // only a reconcile needs (the validator, CEL, the AgentTask model) waits for
          // afterOperatorStart: on two busy cores, warming it up beside the start made /readyz
          // later (docs/startup.md).
          case "operator" ->
              List.of(List.of(StartupWarmup::kubernetesModel, StartupWarmup::metrics));
          default -> List.of();
        };
    start(threads);
  }

  /**
   * Once the operator has started (informers synced, /readyz answering): what the first reconcile
   * needs, so that it does not wait for it (a reconcile that comes first builds the same static
   * holders and the warm-up waits on them: nothing is built twice).
   */
  static void afterOperatorStart() {
    if (Boolean.getBoolean("steadfast.warmup.off")) {
      return;
    }
    start(
        List.of(
            List.of(StartupWarmup::validator), List.of(StartupWarmup::cel, StartupWarmup::model)));
  }

  private static void start(List<List<Runnable>> threads) {
    for (List<Runnable> steps : threads) {
      Thread t =
          new Thread(
              () -> {
                for (Runnable step : steps) {
                  try {
                    step.run();
                  } catch (RuntimeException | LinkageError e) {
                    // the command's own path meets it again and reports it
                  }
                }
              },
              "steadfast-warmup");
      t.setDaemon(true);
      t.start();
    }
  }

  private static JsonNode task() {
    try {
      return Json.YAML.readTree(TASK);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void validator() {
    TaskValidator.bundled().validate(task());
  }

  private static void cel() {
    Cel.tasks().compile("inputs.text + 'x'");
  }

  private static void model() {
    AgentTask task = Json.convert(task(), AgentTask.class);
    Json.write(task);
    Json.write(new AgentTaskStatus());
  }

  private static void http() {
    // Apache's client, its TLS context (the JDK's trust store) and connection pool; nothing sent.
    HttpTransport.open().close();
  }

  private static void kubernetesModel() {
    // Registers every Kubernetes kind with Jackson (hundreds of classes); the client's own
    // instance then finds them initialised.
    new KubernetesSerialization().unmarshal("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"}");
  }

  private static void metrics() {
    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT).close();
  }
}
