package dev.steadfast.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Policy;
import dev.steadfast.api.Step;
import dev.steadfast.engine.Pricing;
import dev.steadfast.engine.TaskRef;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.validation.Problem;
import dev.steadfast.engine.validation.TaskValidator;
import dev.steadfast.local.LocalSession;
import dev.steadfast.local.RunFiles;
import dev.steadfast.local.StateDir;
import dev.steadfast.local.StateDirLock;
import dev.steadfast.local.TaskFile;
import dev.steadfast.tracing.Tracing;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `steadfast run FILE`: runs one AgentTask on this machine, resumable from its checkpoint. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Runs one AgentTask on this machine, no cluster. Checkpoints go to DIR/<name>/; running the"
          + " same command again after a crash resumes and never re-runs a finished step.",
      "Exit codes: 0 Succeeded (degraded included), 1 Failed, 2 invalid input (a bad file, spec,"
          + " flag or directory), 3 suspended."
    })
public final class RunCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "The AgentTask YAML file.")
  Path file;

  @Option(
      names = "--state-dir",
      defaultValue = ".steadfast",
      description = "Checkpoint directory (default ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(
      names = "--secrets-dir",
      description = "Secrets laid out like a mounted Secret volume: DIR/<secret-name>/<key>.")
  Path secretsDir;

  @Option(
      names = "--status-out",
      description = "Write the final status as YAML, in the cluster's shape.")
  Path statusOut;

  @Option(
      names = "--retry",
      description =
          "Run a Failed task again from its checkpoint, as the steadfast.dev/retry annotation does"
              + " in a cluster: failed steps and the task get a fresh budget.")
  boolean retry;

  @Option(names = "--quiet", description = "Print only the final line.")
  boolean quiet;

  @Mixin TaskDefaultsOptions taskDefaults;

  @Mixin TracingOptions tracingOptions;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException, IOException {
    PrintWriter err = spec.commandLine().getErr();
    if (!taskDefaults.itemsValid(err)) {
      return Main.EXIT_INVALID;
    }
    Optional<Policy> defaults = taskDefaults.defaultPolicy(err);
    if (defaults.isEmpty()) {
      return Main.EXIT_INVALID;
    }
    Optional<Pricing> pricing = taskDefaults.pricing(err);
    if (pricing.isEmpty()) {
      return Main.EXIT_INVALID;
    }
    List<JsonNode> docs;
    try {
      docs = TaskFile.read(file);
    } catch (TaskFile.InvalidFileException e) {
      err.println(e.getMessage());
      err.flush();
      return Main.EXIT_INVALID;
    }
    if (docs.size() != 1) {
      err.println(file + ": expected one AgentTask, found " + docs.size() + " documents");
      err.flush();
      return Main.EXIT_INVALID;
    }
    List<Problem> problems = TaskValidator.bundled().validate(docs.get(0));
    AgentTask task = problems.isEmpty() ? Json.convert(docs.get(0), AgentTask.class) : null;
    if (task != null) {
      for (int i = 0; i < task.getSpec().steps.size(); i++) {
        Step s = task.getSpec().steps.get(i);
        if (s.job != null) {
          problems.add(
              new Problem(
                  "spec.steps[" + i + "].job",
                  "job steps need a cluster: `steadfast run` does not support them (use `steadfast operator`)"));
        }
      }
    }
    if (task != null) {
      try {
        StateDir.taskDir(stateDir, task.getMetadata().getName());
      } catch (StateDir.UnsafeNameException e) {
        problems.add(new Problem(e.field(), e.reason()));
      }
    }
    if (!problems.isEmpty()) {
      problems.forEach(p -> err.println(file + ": " + p));
      err.flush();
      return Main.EXIT_INVALID;
    }
    var meta = task.getMetadata();
    TaskRef ref = TaskRef.local(task);
    boolean chaos =
        System.getenv("STEADFAST_CHAOS") != null && !System.getenv("STEADFAST_CHAOS").isBlank();
    LocalSession.Options options =
        new LocalSession.Options(
            stateDir,
            secretsDir,
            quiet,
            chaos,
            defaults.get(),
            (int) taskDefaults.maxResponseBytes,
            taskDefaults.maxItems,
            retry,
            pricing.get(),
            taskDefaults.adaptiveConcurrency);
    AgentTaskStatus status;
    // Every file-system problem is found before the first call and told in one line (exit 2).
    try {
      RunFiles.checkSecretsDir(secretsDir);
      RunFiles.checkStatusOut(statusOut);
      RunFiles.prepareStateDir(stateDir);
      try (StateDirLock lock = StateDirLock.acquire(stateDir)) {
        RunFiles.checkpoint(StateDir.taskDir(stateDir, meta.getName()));
        Optional<Tracing> tracing = tracingOptions.start(err);
        if (tracing.isEmpty()) {
          return Main.EXIT_INVALID;
        }
        try (Tracing t = tracing.get()) {
          status = LocalSession.run(ref, options, System.out, t);
        }
        if (statusOut != null) {
          RunFiles.writeStatusOut(statusOut, Json.YAML.writeValueAsString(status));
        }
      }
    } catch (RunFiles.UnusableException e) {
      return invalid(err, e.getMessage());
    } catch (UncheckedIOException e) {
      return invalid(err, e.getMessage() + ": " + e.getCause().getMessage());
    } catch (IllegalArgumentException e) {
      return invalid(err, file + ": " + e.getMessage());
    }
    return LocalSession.exitCode(status);
  }

  private static int invalid(PrintWriter err, String line) {
    err.println(line);
    err.flush();
    return Main.EXIT_INVALID;
  }
}
