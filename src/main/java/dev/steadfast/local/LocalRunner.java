package dev.steadfast.local;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.Attempt;
import dev.steadfast.engine.EngineEvent;
import dev.steadfast.engine.Plan;
import dev.steadfast.engine.TaskEngine;
import dev.steadfast.engine.TaskRef;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.tracing.Finished;
import dev.steadfast.tracing.TracedTask;
import dev.steadfast.tracing.Tracing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The local driver of the engine (`steadfast run`): asks the engine what to do, runs attempts on a
 * thread pool, folds outcomes back, and writes the checkpoint before every attempt starts and after
 * every attempt ends. Killed at any moment and started again, it resumes from the file.
 */
public final class LocalRunner {
  /** Attempts one run has under way at once, at most. */
  public static final int MAX_CONCURRENT = 64;

  private final TaskEngine engine;
  private final Executor executor;
  private final FileCheckpointStore store;
  private final Progress progress;
  private final UnitWatch units = new UnitWatch();
  private final Tracing tracing;

  private record Done(Attempt attempt, Outcome outcome, Duration took) {}

  public LocalRunner(
      TaskEngine engine, Executor executor, FileCheckpointStore store, Progress progress) {
    this(engine, executor, store, progress, Tracing.OFF);
  }

  /** As above, with the task's spans recorded by {@code tracing} (docs/tracing.md). */
  public LocalRunner(
      TaskEngine engine,
      Executor executor,
      FileCheckpointStore store,
      Progress progress,
      Tracing tracing) {
    this.tracing = tracing;
    this.engine = engine;
    this.executor = executor;
    this.store = store;
    this.progress = progress;
  }

  public AgentTaskStatus run(TaskRef task) throws InterruptedException {
    return run(task, false);
  }

  /**
   * Runs the task from its checkpoint; with {@code retry} (`steadfast run --retry`), a failed task
   * first gets what the steadfast.dev/retry annotation gives it in a cluster.
   */
  public AgentTaskStatus run(TaskRef task, boolean retry) throws InterruptedException {
    AgentTaskStatus status = store.load().orElseGet(AgentTaskStatus::new);
    progress.print(engine.prepare(task, status));
    if (retry) {
      progress.print(LocalRetry.apply(engine, status));
    }
    store.save(status);
    units.changes(status, false);
    TracedTask traced = TracedTask.of(task, status);
    // What finished before this run was traced by the run that finished it.
    Finished finished = Finished.of(status);
    ExecutorService pool =
        Executors.newFixedThreadPool(
            MAX_CONCURRENT,
            r -> {
              Thread t = new Thread(r, "steadfast-attempt");
              t.setDaemon(true);
              return t;
            });
    CompletionService<Done> completions = new ExecutorCompletionService<>(pool);
    Map<String, Future<Done>> running = new HashMap<>();
    try {
      while (true) {
        List<EngineEvent> events = new ArrayList<>();
        Plan plan = engine.plan(task, status, running.keySet(), events);
        store.save(status);
        finished = traced(traced, finished, status);
        events.addAll(units.changes(status, true));
        progress.print(events);
        for (Attempt a : plan.start()) {
          Executor executor =
              tracing.attempt(traced, TracedTask.startedAt(status, a.step()), a, this.executor);
          running.put(
              a.key(),
              completions.submit(
                  () -> {
                    Instant t0 = Instant.now();
                    Outcome o = executor.execute(a.request());
                    return new Done(a, o, Duration.between(t0, Instant.now()));
                  }));
        }
        if (plan.finished() || status.phase == TaskPhase.Suspended) {
          running.values().forEach(f -> f.cancel(true));
          return status;
        }
        if (running.isEmpty() && plan.wakeAt() == null) {
          if (plan.start().isEmpty()) {
            return status; // nothing can make progress; the engine said why in the status
          }
          continue;
        }
        Future<Done> next;
        if (plan.wakeAt() == null) {
          next = completions.take();
        } else {
          long waitMs =
              Math.max(0, Duration.between(engine.clock().instant(), plan.wakeAt()).toMillis());
          next = completions.poll(waitMs, TimeUnit.MILLISECONDS);
        }
        while (next != null) {
          Done d = get(next);
          running.remove(d.attempt().key());
          List<EngineEvent> folded = new ArrayList<>();
          engine.complete(task, status, d.attempt(), d.outcome(), d.took(), folded);
          store.save(status);
          finished = traced(traced, finished, status);
          folded.addAll(units.changes(status, true));
          progress.print(folded);
          next = completions.poll();
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private Finished traced(TracedTask task, Finished before, AgentTaskStatus status) {
    if (!tracing.enabled()) {
      return before;
    }
    tracing.finished(task, before, status);
    return Finished.of(status);
  }

  private static Done get(Future<Done> f) throws InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("an attempt crashed the runner", e.getCause());
    }
  }
}
