package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.Attempt;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.exec.Outcome;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs attempts off the reconcile thread on a bounded pool (--max-concurrent-steps), its slots
 * shared fairly by namespace ({@link FairSlots}). When an attempt ends, its outcome is queued for
 * the task and a reconcile is triggered; the reconcile folds it into the checkpoint. Reconcile
 * never blocks on an agent call.
 */
public final class AttemptPool implements AutoCloseable {
  /** An attempt that ended, waiting to be folded into its task's checkpoint. */
  public record Completed(Attempt attempt, Outcome outcome, Duration took) {}

  private final ExecutorService pool;
  private final FairSlots slots;
  private final SimpleInboundEventSource<AgentTask> trigger =
      new SimpleInboundEventSource<>("attempts");
  private final Map<ResourceID, Map<String, Future<?>>> running = new ConcurrentHashMap<>();
  private final Map<ResourceID, List<Completed>> completed = new ConcurrentHashMap<>();

  public AttemptPool(int maxConcurrent) {
    this.pool =
        new ThreadPoolExecutor(
            maxConcurrent,
            maxConcurrent,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "steadfast-attempt");
              t.setDaemon(true);
              return t;
            });
    this.slots = new FairSlots(maxConcurrent, pool);
  }

  public SimpleInboundEventSource<AgentTask> eventSource() {
    return trigger;
  }

  public void submit(ResourceID task, Attempt attempt, Executor executor) {
    Map<String, Future<?>> forTask = running.computeIfAbsent(task, k -> new ConcurrentHashMap<>());
    FutureTask<Void> run =
        new FutureTask<>(
            () -> {
              long t0 = System.nanoTime();
              Outcome outcome = executor.execute(attempt.request());
              if (Thread.currentThread().isInterrupted() || !forTask.containsKey(attempt.key())) {
                return; // cancelled: the task was deleted
              }
              offer(
                  task,
                  forTask,
                  new Completed(attempt, outcome, Duration.ofNanos(System.nanoTime() - t0)));
              // Folded ahead of reconciles already queued: the call is paid for, and until it is
              // in the status a crash would pay for it again.
              ReconcileThreads.urgently(() -> trigger.propagateEvent(task));
            },
            null);
    // Registered before it can run: an attempt refused at once (EgressDenied, SecretNotAllowed)
    // could otherwise end before put() and be taken for cancelled, its outcome never folded.
    forTask.put(attempt.key(), run);
    slots.submit(namespace(task), run);
  }

  private static String namespace(ResourceID task) {
    return task.getNamespace().orElse("");
  }

  /** Slots in use and attempts waiting for one, per namespace that has either. */
  public Map<String, FairSlots.Usage> slotUsage() {
    return slots.usage();
  }

  // The outcome is queued before the attempt stops counting as running, under one lock, so a
  // reconcile never sees it neither running nor completed (and starts it a second time).
  private synchronized void offer(ResourceID task, Map<String, Future<?>> forTask, Completed c) {
    completed.computeIfAbsent(task, k -> new ArrayList<>()).add(c);
    forTask.remove(c.attempt().key());
  }

  /** Keys of the attempts of a task still running in this process. */
  public synchronized Set<String> running(ResourceID task) {
    Map<String, Future<?>> m = running.get(task);
    return m == null ? Set.of() : Set.copyOf(m.keySet());
  }

  /** What a reconcile sees of a task's attempts: ended ones to fold, and those still running. */
  public record Snapshot(List<Completed> completed, Set<String> running) {}

  /**
   * Takes the outcomes that arrived and the keys still running, atomically: an attempt ending after
   * this stays "running" for this reconcile and is folded by the next one.
   */
  public synchronized Snapshot take(ResourceID task) {
    List<Completed> list = completed.remove(task);
    return new Snapshot(list == null ? List.of() : List.copyOf(list), running(task));
  }

  /** Whether outcomes of the task wait to be folded (arrived since its last {@link #take}). */
  public synchronized boolean hasCompleted(ResourceID task) {
    List<Completed> list = completed.get(task);
    return list != null && !list.isEmpty();
  }

  /**
   * Puts outcomes back when their fold could not be written (a conflict); they are folded again.
   */
  public synchronized void requeue(ResourceID task, List<Completed> outcomes) {
    if (!outcomes.isEmpty()) {
      completed.computeIfAbsent(task, k -> new ArrayList<>()).addAll(0, outcomes);
    }
  }

  /** Cancels a deleted task's attempts. */
  public void cancel(ResourceID task) {
    Map<String, Future<?>> m = running.remove(task);
    if (m != null) {
      m.values()
          .forEach(
              f -> {
                f.cancel(true);
                slots.withdraw(namespace(task), f);
              });
    }
    completed.remove(task);
  }

  public int inFlight() {
    return running.values().stream().mapToInt(Map::size).sum();
  }

  int busyThreads() {
    return ((ThreadPoolExecutor) pool).getActiveCount();
  }

  @Override
  public void close() {
    slots.close();
    pool.shutdownNow();
  }

  /** After {@link #close()}: waits until no attempt thread is left, at most {@code timeout}. */
  boolean awaitIdle(Duration timeout) throws InterruptedException {
    return pool.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
