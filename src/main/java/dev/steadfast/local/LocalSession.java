package dev.steadfast.local;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Policy;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Usage;
import dev.steadfast.engine.Checkpoints;
import dev.steadfast.engine.ItemLimit;
import dev.steadfast.engine.Pricing;
import dev.steadfast.engine.TaskEngine;
import dev.steadfast.engine.TaskRef;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.policy.EffectivePolicy;
import dev.steadfast.engine.ratelimit.EndpointLimits;
import dev.steadfast.executors.ExecutorWiring;
import dev.steadfast.executors.HttpTransport;
import dev.steadfast.tracing.Tracing;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;

/** Wires the engine with local collaborators (files under the state dir) and runs one task. */
public final class LocalSession {
  /**
   * Settings of one local run (`steadfast run`); defaultPolicy is the operator defaults tasks merge
   * over, maxResponseBytes the longest body a call may return (--max-response-bytes), maxItems the
   * most items a forEach step may have (--max-items), adaptiveConcurrency paces model calls per
   * provider key (--adaptive-concurrency).
   */
  public record Options(
      Path stateDir,
      Path secretsDir,
      boolean quiet,
      boolean chaosEnabled,
      Policy defaultPolicy,
      int maxResponseBytes,
      int maxItems,
      boolean retry,
      Pricing pricing,
      boolean adaptiveConcurrency) {
    /** Without a price table, adaptive concurrency on: usage is counted, cost is absent. */
    public Options(
        Path stateDir,
        Path secretsDir,
        boolean quiet,
        boolean chaosEnabled,
        Policy defaultPolicy,
        int maxResponseBytes,
        int maxItems,
        boolean retry) {
      this(
          stateDir,
          secretsDir,
          quiet,
          chaosEnabled,
          defaultPolicy,
          maxResponseBytes,
          maxItems,
          retry,
          Pricing.NONE,
          true);
    }

    /** With a price table, adaptive concurrency on. */
    public Options(
        Path stateDir,
        Path secretsDir,
        boolean quiet,
        boolean chaosEnabled,
        Policy defaultPolicy,
        int maxResponseBytes,
        int maxItems,
        boolean retry,
        Pricing pricing) {
      this(
          stateDir,
          secretsDir,
          quiet,
          chaosEnabled,
          defaultPolicy,
          maxResponseBytes,
          maxItems,
          retry,
          pricing,
          true);
    }

    /** Without a price table. */
    public Options(
        Path stateDir,
        Path secretsDir,
        boolean quiet,
        boolean chaosEnabled,
        Policy defaultPolicy,
        int maxResponseBytes,
        int maxItems,
        boolean retry,
        boolean adaptiveConcurrency) {
      this(
          stateDir,
          secretsDir,
          quiet,
          chaosEnabled,
          defaultPolicy,
          maxResponseBytes,
          maxItems,
          retry,
          Pricing.NONE,
          adaptiveConcurrency);
    }

    /** Operator defaults, default limits, no --retry: `steadfast demo`. */
    public Options(Path stateDir, Path secretsDir, boolean quiet, boolean chaosEnabled) {
      this(
          stateDir,
          secretsDir,
          quiet,
          chaosEnabled,
          EffectivePolicy.defaults(),
          HttpTransport.DEFAULT_MAX_RESPONSE_BYTES,
          ItemLimit.DEFAULT,
          false,
          true);
    }
  }

  private LocalSession() {}

  public static AgentTaskStatus run(TaskRef task, Options options, PrintStream out)
      throws InterruptedException {
    return run(task, options, out, Tracing.OFF);
  }

  /** As above, with the task's spans recorded by {@code tracing} (docs/tracing.md). */
  public static AgentTaskStatus run(TaskRef task, Options options, PrintStream out, Tracing tracing)
      throws InterruptedException {
    Clock clock = Checkpoints.systemClock();
    Progress progress = new Progress(out, options.quiet(), clock);
    // Shared by the process; the runner folds each outcome and plans again, which is its wake-up.
    EndpointLimits limits =
        options.adaptiveConcurrency()
            ? EndpointLimits.forDriver(clock, LocalRunner.MAX_CONCURRENT)
            : null;
    // Closed at the end: tests run many sessions in one JVM, each with its own HTTP client.
    try (ExecutorWiring wiring =
        ExecutorWiring.forDriver(
            clock,
            ExecutorWiring.Settings.local(options.maxResponseBytes(), options.chaosEnabled()),
            new DirSecrets(options.secretsDir()),
            Map.of(),
            limits)) {
      Executor executor = wiring.forTask(task.annotations());
      String chaos = wiring.chaos(task.annotations());
      if (chaos != null) {
        progress.line("-", "Chaos", "fault injection on: " + chaos);
      }
      Breakers breakers = new Breakers(clock, new FileBreakerStore(options.stateDir()));
      TaskEngine engine =
          new TaskEngine(
              clock,
              breakers,
              new FileResponseCache(options.stateDir()),
              new SecureRandom(),
              options.defaultPolicy(),
              options.maxItems(),
              options.pricing(),
              limits);
      FileCheckpointStore store =
          new FileCheckpointStore(StateDir.taskDir(options.stateDir(), task.name()));
      AgentTaskStatus status =
          new LocalRunner(engine, executor, store, progress, tracing).run(task, options.retry());
      progress.result(resultLine(status));
      return status;
    }
  }

  /** The executors `steadfast run` uses, without chaos (tests and benchmarks run them bare). */
  public static Executor executors(Clock clock, Path secretsDir) {
    return ExecutorWiring.forDriver(
            clock,
            ExecutorWiring.Settings.local(HttpTransport.DEFAULT_MAX_RESPONSE_BYTES, false),
            new DirSecrets(secretsDir),
            Map.of())
        .shared();
  }

  static String resultLine(AgentTaskStatus s) {
    String phase = s.phase == null ? TaskPhase.Pending.name() : s.phase.name();
    return phase
        + ": "
        + s.message
        + " (attempts: "
        + (s.attempts == null ? 0 : s.attempts)
        + usageText(s.usage)
        + ")";
  }

  /** ", tokens: 120 in / 40 out, cost: 0.0012" once a model call reported usage, else nothing. */
  static String usageText(Usage u) {
    if (u == null) {
      return "";
    }
    return ", tokens: "
        + (u.inputTokens == null ? 0 : u.inputTokens)
        + " in / "
        + (u.outputTokens == null ? 0 : u.outputTokens)
        + " out"
        + (u.cost == null ? "" : ", cost: " + u.cost);
  }

  /** Exit code for a suspended task: nothing failed, nothing finished (docs/cli.md). */
  public static final int EXIT_SUSPENDED = 3;

  /** Exit code of `steadfast run`: 0 Succeeded (degraded included), 3 Suspended, 1 otherwise. */
  public static int exitCode(AgentTaskStatus s) {
    if (s.phase == TaskPhase.Succeeded) {
      return 0;
    }
    return s.phase == TaskPhase.Suspended ? EXIT_SUSPENDED : 1;
  }
}
