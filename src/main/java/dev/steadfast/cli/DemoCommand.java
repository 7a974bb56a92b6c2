package dev.steadfast.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.StepStatus;
import dev.steadfast.engine.TaskRef;
import dev.steadfast.engine.format.Json;
import dev.steadfast.local.LocalSession;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `steadfast demo`: starts the simulator on loopback with a fault schedule, runs the quickstart
 * task against it, shows each failure being healed, and ends with a summary.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description =
        "Runs examples/quickstart.yaml against the built-in simulator with injected faults.")
public final class DemoCommand implements Callable<Integer> {
  static final String QUICKSTART = "examples/quickstart.yaml";
  static final String SCHEDULE = "429@1/gpt-4o,503@2/gpt-4o,invalid-output@3/gpt-4o";

  @Option(
      names = "--faults",
      defaultValue = SCHEDULE,
      description = "Fault schedule (default ${DEFAULT-VALUE}).")
  String faults;

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintStream out = System.out;
    Path work = Files.createTempDirectory("steadfast-demo");
    Path secrets = work.resolve("secrets/llm-credentials");
    Files.createDirectories(secrets);
    Files.writeString(secrets.resolve("api-key"), "demo-key");
    try (LlmSimulator sim =
        LlmSimulator.builder()
            .port(0)
            .faults(FaultPlan.parse(faults))
            .retryAfterSeconds(1)
            .build()
            .start()) {
      String yaml = quickstart().replace("http://127.0.0.1:8089", sim.baseUrl());
      AgentTask task = Json.YAML.readValue(yaml, AgentTask.class);
      out.println("Steadfast demo: " + QUICKSTART + " against the simulator at " + sim.baseUrl());
      out.println("Injected faults: " + faults);
      out.println();
      TaskRef ref = TaskRef.local(task);
      AgentTaskStatus status =
          LocalSession.run(
              ref,
              new LocalSession.Options(
                  work.resolve("state"), work.resolve("secrets"), false, false),
              out);
      out.println();
      out.println("Summary");
      out.println("  requests to the model: " + sim.requests().size());
      for (RecordedRequest r : sim.requests()) {
        out.printf(
            "    #%d %-12s %-16s -> %s%n",
            r.sequence(),
            r.model(),
            r.fault() == null ? "ok" : "fault " + r.fault(),
            r.status() < 0 ? "no response" : String.valueOf(r.status()));
      }
      for (StepStatus s : status.steps) {
        out.printf(
            "  step %-10s %-10s attempts %d%s%n",
            s.name,
            s.phase,
            s.attempts == null ? 0 : s.attempts,
            s.fallback == null ? "" : ", fallback " + s.fallback);
        if (s.output != null) {
          out.println("  output: " + truncate(s.output));
        }
      }
      out.println("  task: " + status.phase + " — " + status.message);
      return LocalSession.exitCode(status);
    }
  }

  private static String truncate(JsonNode n) {
    String s = n.toString();
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }

  /** The quickstart from the working directory when present, else the copy inside the jar. */
  static String quickstart() throws IOException {
    Path local = Path.of(QUICKSTART);
    if (Files.exists(local)) {
      return Files.readString(local);
    }
    try (InputStream in = DemoCommand.class.getResourceAsStream("/" + QUICKSTART)) {
      if (in == null) {
        throw new IOException(QUICKSTART + " not found");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
