package dev.steadfast.local;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Policy;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.ItemLimit;
import dev.steadfast.engine.TaskEngine;
import dev.steadfast.engine.TaskRef;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.llm.OutputValidator;
import dev.steadfast.engine.policy.EffectivePolicy;
import dev.steadfast.executors.AgentExecutor;
import dev.steadfast.executors.ChaosExecutor;
import dev.steadfast.executors.Dispatcher;
import dev.steadfast.executors.HttpExecutor;
import dev.steadfast.executors.HttpTransport;
import dev.steadfast.executors.LlmExecutor;
import dev.steadfast.executors.classify.Classifier;
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
   * most items a forEach step may have (--max-items).
   */
  public record Options(
      Path stateDir,
      Path secretsDir,
      boolean quiet,
      boolean chaosEnabled,
      Policy defaultPolicy,
      int maxResponseBytes,
      int maxItems,
      boolean retry) {
    public Options(
        Path stateDir,
        Path secretsDir,
        boolean quiet,
        boolean chaosEnabled,
        Policy defaultPolicy,
        int maxResponseBytes,
        int maxItems) {
      this(
          stateDir,
          secretsDir,
          quiet,
          chaosEnabled,
          defaultPolicy,
          maxResponseBytes,
          maxItems,
          false);
    }

    public Options(Path stateDir, Path secretsDir, boolean quiet, boolean chaosEnabled) {
      this(stateDir, secretsDir, quiet, chaosEnabled, EffectivePolicy.defaults());
    }

    public Options(
        Path stateDir, Path secretsDir, boolean quiet, boolean chaosEnabled, Policy defaultPolicy) {
      this(
          stateDir,
          secretsDir,
          quiet,
          chaosEnabled,
          defaultPolicy,
          HttpTransport.DEFAULT_MAX_RESPONSE_BYTES,
          ItemLimit.DEFAULT);
    }
  }

  private LocalSession() {}

  public static AgentTaskStatus run(TaskRef task, Options options, PrintStream out)
      throws InterruptedException {
    Clock clock = Clock.systemUTC();
    Progress progress = new Progress(out, options.quiet(), clock);
    Executor executor = executors(clock, options.secretsDir(), options.maxResponseBytes());
    String chaos =
        task.annotations() == null ? null : task.annotations().get("steadfast.dev/chaos");
    if (options.chaosEnabled() && chaos != null) {
      executor = ChaosExecutor.wrap(executor, chaos, new SecureRandom());
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
            options.maxItems());
    FileCheckpointStore store =
        new FileCheckpointStore(StateDir.taskDir(options.stateDir(), task.name()));
    AgentTaskStatus status =
        new LocalRunner(engine, executor, store, progress).run(task, options.retry());
    progress.result(resultLine(status));
    return status;
  }

  /** The http, llm and agent executors, sharing one HTTP client and secrets. */
  public static Executor executors(Clock clock, Path secretsDir) {
    return executors(clock, secretsDir, HttpTransport.DEFAULT_MAX_RESPONSE_BYTES);
  }

  /** The same, reading response bodies up to {@code maxResponseBytes}. */
  public static Executor executors(Clock clock, Path secretsDir, int maxResponseBytes) {
    // The user's own machine and network: no egress policy (SPEC §6 applies to the operator).
    HttpTransport http = HttpTransport.open(maxResponseBytes);
    DirSecrets secrets = new DirSecrets(secretsDir);
    // No redactor here: each attempt brings its task's (AttemptRequest.redactor()).
    Classifier classifier = new Classifier(clock);
    HttpExecutor httpExecutor = new HttpExecutor(http, secrets, classifier);
    LlmExecutor llmExecutor = new LlmExecutor(http, secrets, classifier, new OutputValidator());
    return new Dispatcher(
        Map.of(
            Call.HttpCall.class, httpExecutor,
            Call.LlmCall.class, llmExecutor,
            Call.AgentCall.class, new AgentExecutor(llmExecutor)));
  }

  static String resultLine(AgentTaskStatus s) {
    String phase = s.phase == null ? TaskPhase.Pending.name() : s.phase.name();
    return phase + ": " + s.message + " (attempts: " + (s.attempts == null ? 0 : s.attempts) + ")";
  }

  /** Exit code for a suspended task: nothing failed, nothing finished (SPEC §4). */
  public static final int EXIT_SUSPENDED = 3;

  /** Exit code of `steadfast run`: 0 Succeeded (degraded included), 3 Suspended, 1 otherwise. */
  public static int exitCode(AgentTaskStatus s) {
    if (s.phase == TaskPhase.Succeeded) {
      return 0;
    }
    return s.phase == TaskPhase.Suspended ? EXIT_SUSPENDED : 1;
  }
}
