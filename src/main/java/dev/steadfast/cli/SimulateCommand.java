package dev.steadfast.cli;

import dev.steadfast.engine.format.GoDuration;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `steadfast simulate`: the built-in OpenAI- and Anthropic-compatible LLM API simulator. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Serves a deterministic LLM API (OpenAI /v1/chat/completions and Anthropic /v1/messages) on"
          + " 127.0.0.1 with fault injection, to test policies before spending tokens.",
      "Fault kinds: 429 500 503 529 timeout network 401 quota context invalid-output length.",
      "By rate: KIND:RATE (429:0.2). By schedule: KIND@N[-M][/MODEL] (429@1-2/gpt-4o = the first"
          + " 2 calls to gpt-4o get 429)."
    })
public final class SimulateCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "8089", description = "Port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--faults", description = "Comma-separated fault rates and schedules.")
  String faults;

  @Option(names = "--latency", description = "Added to every reply, e.g. 50ms.")
  String latency;

  @Option(
      names = "--retry-after",
      defaultValue = "1",
      description = "Retry-After seconds sent with 429.")
  int retryAfter;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the fault rates.")
  long seed;

  @Option(
      names = "--request-log",
      paramLabel = "FILE",
      description =
          "Write each request as a JSON line (sequence, time, path, api, model, idempotencyKey,"
              + " fault, status; never credentials or bodies) to FILE, truncated at start and by"
              + " POST /_steadfast/reset.")
  Path requestLog;

  @Option(
      names = "--limit-concurrent",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "The provider's own limit: at most N requests per API key served at once; more get 429"
              + " with Retry-After and x-ratelimit-*-requests headers (0, the default: none).")
  int limitConcurrent;

  @Option(
      names = "--limit-per-second",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "The provider's own limit: at most N requests per API key each second; more get 429"
              + " (0, the default: none).")
  int limitPerSecond;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    if (limitConcurrent < 0 || limitPerSecond < 0) {
      spec.commandLine()
          .getErr()
          .println("error: --limit-concurrent and --limit-per-second must not be negative");
      return Main.EXIT_INVALID;
    }
    var builder =
        LlmSimulator.builder()
            .port(port)
            .retryAfterSeconds(retryAfter)
            .seed(seed)
            .requestLog(requestLog)
            .limitConcurrent(limitConcurrent)
            .limitPerSecond(limitPerSecond);
    try {
      if (faults != null && !faults.isBlank()) {
        builder.faults(FaultPlan.parse(faults));
      }
      if (latency != null) {
        builder.latency(GoDuration.parse(latency));
      }
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return Main.EXIT_INVALID;
    }
    LlmSimulator sim;
    try {
      sim = builder.build().start();
    } catch (UncheckedIOException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage() + ": " + e.getCause());
      return Main.EXIT_INVALID;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(sim::stop));
    spec.commandLine().getOut().println(sim.describe());
    spec.commandLine().getOut().flush();
    new CountDownLatch(1).await();
    return 0;
  }
}
