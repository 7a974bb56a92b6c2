package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.EngineEvent;
import dev.steadfast.engine.EventType;
import dev.steadfast.engine.Plan;
import dev.steadfast.engine.Reason;
import dev.steadfast.engine.TaskEngine;
import dev.steadfast.engine.TaskRef;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.validation.Problem;
import dev.steadfast.engine.validation.TaskValidator;
import dev.steadfast.tracing.Finished;
import dev.steadfast.tracing.TracedTask;
import dev.steadfast.tracing.Tracing;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.ReconcilerUtils;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Reconciles AgentTasks as the engine's second driver: observe (status = checkpoint, outcomes of
 * attempts that ended) → validate → act (engine plan) → record (one status write, events), then
 * start the planned attempts on the pool. Waits are JOSDK reschedules computed from nextAttemptAt;
 * nothing here blocks on an agent call.
 */
// Not generation-aware (the retry annotation changes metadata only, not the generation), but
// status-only updates, our own checkpoint writes among them, are filtered out.
// No finalizer (no Cleaner): what a deleted task leaves behind is in this process's memory only
// (its ConfigMaps and Jobs are owned by it), so the deletion itself is reconciled. A finalizer
// would cost every task an extra write and an extra reconcile before its first step starts — a
// third of the writes of a one-step task, with the API server's write rate the limit.
@ControllerConfiguration(
    name = "agenttask",
    generationAwareEventProcessing = false,
    triggerReconcilerOnAllEvents = true,
    informer = @Informer(onUpdateFilter = MeaningfulChange.class))
public final class AgentTaskReconciler implements Reconciler<AgentTask> {
  /** The finalizer that versions before this one added to every task; removed on deletion. */
  static final String LEGACY_FINALIZER = ReconcilerUtils.getDefaultFinalizerName(AgentTask.class);

  private final ValidatedGenerations validator;
  private final TaskEngine engine;
  private final AttemptPool pool;
  private final TaskExecutors executors;
  private final StatusCheckpointStore store;
  private final EventRecorder recorder;
  private final HumanIntervention people;
  private final SecretVersions secrets;
  private final OversizedStatus oversized;
  private final Clock clock;
  private final OperatorMetrics metrics;
  private final Map<ResourceID, String> phases;
  private final Set<ResourceID> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final DeferredStarts deferred;
  private final ForkSeeding forks;
  private final Tracing tracing;

  public AgentTaskReconciler(
      TaskValidator validator,
      TaskEngine engine,
      AttemptPool pool,
      TaskExecutors executors,
      StatusCheckpointStore store,
      EventRecorder recorder,
      SecretVersions secrets,
      OperatorMetrics metrics,
      Map<ResourceID, String> phases,
      Clock clock) {
    this(
        validator,
        engine,
        pool,
        executors,
        store,
        recorder,
        secrets,
        metrics,
        phases,
        clock,
        Tracing.OFF);
  }

  /** As above, with spans of tasks, steps and attempts recorded by {@code tracing}. */
  public AgentTaskReconciler(
      TaskValidator validator,
      TaskEngine engine,
      AttemptPool pool,
      TaskExecutors executors,
      StatusCheckpointStore store,
      EventRecorder recorder,
      SecretVersions secrets,
      OperatorMetrics metrics,
      Map<ResourceID, String> phases,
      Clock clock,
      Tracing tracing) {
    this(
        () -> validator,
        engine,
        pool,
        executors,
        store,
        recorder,
        secrets,
        metrics,
        phases,
        clock,
        tracing);
  }

  /**
   * As above, with the validator asked for at the first validation: building the bundled one (the
   * CRD's schema and CEL rules) is a good part of the start's CPU, and nothing before /readyz needs
   * it, so the operator's start does not wait for it (the start-up warm-up builds it meanwhile).
   */
  public AgentTaskReconciler(
      Supplier<TaskValidator> validator,
      TaskEngine engine,
      AttemptPool pool,
      TaskExecutors executors,
      StatusCheckpointStore store,
      EventRecorder recorder,
      SecretVersions secrets,
      OperatorMetrics metrics,
      Map<ResourceID, String> phases,
      Clock clock,
      Tracing tracing) {
    this.tracing = tracing;
    this.metrics = metrics;
    this.phases = phases;
    this.validator = new ValidatedGenerations(t -> validator.get().validate(Json.tree(t)));
    this.engine = engine;
    this.pool = pool;
    this.executors = executors;
    this.store = store;
    this.recorder = recorder;
    this.secrets = secrets;
    this.people = new HumanIntervention(engine, secrets);
    this.oversized = new OversizedStatus(engine, recorder);
    this.forks = new ForkSeeding(engine, store);
    this.clock = clock;
    this.deferred = new DeferredStarts(clock, id -> pool.eventSource().propagateEvent(id));
  }

  @Override
  public UpdateControl<AgentTask> reconcile(AgentTask task, Context<AgentTask> context) {
    try {
      return act(task, context);
    } finally {
      // Answers that arrived during this reconcile are folded by the one JOSDK starts when this
      // ends: ahead of the queue, as if reported on their own (ReconcileThreads).
      if (pool.hasCompleted(ResourceID.fromResource(task))) {
        ReconcileThreads.followUpUrgently();
      }
    }
  }

  private UpdateControl<AgentTask> act(AgentTask task, Context<AgentTask> context) {
    if (context.isPrimaryResourceDeleted()) {
      forget(task);
      return UpdateControl.noUpdate();
    }
    if (task.getMetadata().getDeletionTimestamp() != null) {
      // Being deleted (other finalizers hold it): nothing new starts, running attempts stop.
      forget(task);
      releaseLegacyFinalizer(task, context);
      return UpdateControl.noUpdate();
    }
    metrics.reconciled();
    ResourceID id = ResourceID.fromResource(task);
    if (TaskAtRest.test(task)) {
      phases.put(id, task.getStatus().phase.name());
      metrics.checkpointed(id, task.getStatus());
      return UpdateControl.noUpdate();
    }
    // A status held back (it only said "started") is newer than the stored one, which it was built
    // on: the attempts it started are running, and their answers fold into it.
    AgentTaskStatus held = deferred.resume(task);
    AgentTaskStatus status = held != null ? held : store.load(task);
    // Spans are recorded for what finished since the checkpoint this reconcile started from, once
    // the checkpoint that says so is written (a conflict means another reconcile's view won).
    Finished finished = tracing.enabled() ? Finished.of(status) : null;
    List<EngineEvent> events = new ArrayList<>();
    List<Problem> problems = validator.problems(task);
    if (!problems.isEmpty()) {
      invalid(task, status, problems);
      if (checkpoint(task, context, status, events, List.of())) {
        traceFinished(task, finished, status);
        record(task, status, events);
      }
      return UpdateControl.noUpdate();
    }
    TaskRef ref = TaskRef.of(task, null); // a stored task always has its namespace
    if (held == null && ForkSeeding.pending(task)) {
      forks.seed(context.getClient(), task, ref, status, events);
    }
    List<EngineEvent> prepared = engine.prepare(ref, status);
    boolean firstInThisProcess = seen.add(id);
    // "Resumed" is news once per operator process, not on every reconcile.
    prepared.stream()
        .filter(e -> firstInThisProcess || e.type() != EventType.Resumed)
        .forEach(events::add);
    people.apply(task, status, events);
    AttemptPool.Snapshot attempts = pool.take(id);
    for (AttemptPool.Completed c : attempts.completed()) {
      engine.complete(ref, status, c.attempt(), c.outcome(), c.took(), events);
      metrics.attemptEnded(ref.namespace(), c);
      metrics.used(ref.namespace(), c, engine.pricing());
    }
    Plan plan = engine.plan(ref, status, attempts.running(), events);
    if (task.getStatus() == null) {
      // Created suspended: nothing became suspended, and the status written now says Suspended
      // (phase, Stalled condition). An event would be a second write per task with no news in it.
      events.removeIf(e -> e.type() == EventType.Suspended);
    }
    people.rememberSecrets(task, status);
    if (held == null && unstoredPacing(ref, task, status, events, attempts, plan)) {
      phases.put(id, status.phase.name());
      return plan.wakeAt() == null
          ? UpdateControl.noUpdate()
          : UpdateControl.<AgentTask>noUpdate()
              .rescheduleAfter(nonNegative(Duration.between(clock.instant(), plan.wakeAt())));
    }
    Instant due = onlyStarted(task, status, events, attempts, plan, held != null);
    if (due != null && clock.instant().isBefore(due)) {
      deferred.hold(task, status, due);
      phases.put(id, status.phase.name());
      metrics.checkpointed(id, status);
      startAttempts(id, ref, task, status, plan, attempts);
      record(task, status, events);
      // The held status has a timer of its own (DeferredStarts); the reconcile that writes it
      // plans the next wake-up.
      if (plan.wakeAt() == null || !plan.wakeAt().isBefore(due)) {
        return UpdateControl.noUpdate();
      }
      return UpdateControl.<AgentTask>noUpdate()
          .rescheduleAfter(nonNegative(Duration.between(clock.instant(), plan.wakeAt())));
    }
    if (!checkpoint(task, context, status, events, attempts.completed())) {
      // Someone wrote a newer checkpoint: start nothing, fold again on the fresh status.
      return UpdateControl.<AgentTask>noUpdate().rescheduleAfter(Duration.ofMillis(200));
    }
    boolean failedByWrite = status.phase != null && status.phase.isFinal();
    if (!failedByWrite) {
      // Started as soon as their keys are on disk: the events below are API calls too, and a
      // call that waited for them would hold its slot of --max-concurrent-steps idle.
      startAttempts(id, ref, task, status, plan, attempts);
    }
    traceFinished(task, finished, status);
    record(task, status, events);
    if (failedByWrite) {
      return UpdateControl.noUpdate(); // the write itself failed the task (StatusTooLarge)
    }
    if (plan.wakeAt() != null) {
      Duration wait = Duration.between(clock.instant(), plan.wakeAt());
      return UpdateControl.<AgentTask>noUpdate()
          .rescheduleAfter(wait.isNegative() ? Duration.ZERO : wait);
    }
    return UpdateControl.noUpdate();
  }

  /**
   * A task never stored whose units only wait for slots their provider did not limit (a new key's
   * limit still probing upwards, or as large as --max-concurrent-steps): nothing was sent and
   * nothing happened that a person or a restart needs, so nothing is written, as for a task queued
   * behind --max-concurrent-steps; the limits wake it when a slot frees. A thousand tasks created
   * at once against a new key otherwise cost a "waiting" write each before the one saying they ran
   * (and a StepStarted event before anything started). Once the provider has limited the key (a
   * 429), waits are written: Waiting, RateLimited.
   */
  private boolean unstoredPacing(
      TaskRef ref,
      AgentTask task,
      AgentTaskStatus status,
      List<EngineEvent> events,
      AttemptPool.Snapshot attempts,
      Plan plan) {
    return task.getStatus() == null
        // The step's StepStarted is all there is to say, and it is said again, from the stored
        // (empty) status, by the reconcile that starts it.
        && events.stream().allMatch(e -> !e.warning() && e.type() == EventType.StepStarted)
        && plan.start().isEmpty()
        && attempts.running().isEmpty()
        && attempts.completed().isEmpty()
        && status.phase != null
        && !status.phase.isFinal()
        && engine.waitsOnlyForPacing(ref, status);
  }

  private static Duration nonNegative(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }

  /**
   * When the status must be written if its only news is that attempts started ({@link
   * DeferredStarts}): nothing answered, no event but StepStarted, the task Running, and attempts
   * started now or under the status held. Null when it has other news, to be written now.
   */
  private Instant onlyStarted(
      AgentTask task,
      AgentTaskStatus status,
      List<EngineEvent> events,
      AttemptPool.Snapshot attempts,
      Plan plan,
      boolean wasHeld) {
    if (!attempts.completed().isEmpty()
        || status.phase != TaskPhase.Running
        || (plan.start().isEmpty() && !wasHeld)
        || events.stream().anyMatch(e -> e.type() != EventType.StepStarted)) {
      return null;
    }
    return wasHeld ? deferred.due(task) : clock.instant().plus(DeferredStarts.BOUND);
  }

  /**
   * Writes the checkpoint; {@link #record} tells of it afterwards. On a conflict (someone wrote a
   * newer status) the folded outcomes go back to the pool to be folded again on the fresh status;
   * returns false.
   */
  private boolean checkpoint(
      AgentTask task,
      Context<AgentTask> context,
      AgentTaskStatus status,
      List<EngineEvent> events,
      List<AttemptPool.Completed> folded) {
    try {
      store.save(task, context, status);
    } catch (OutputConflictException e) {
      // That step's outputs are dropped, so the next save cannot meet the same ConfigMap again.
      if (status.steps.stream().noneMatch(s -> s.name.equals(e.step()))) {
        throw e; // cannot happen: the output came from one of these steps
      }
      engine.failStep(
          TaskRef.of(task, null),
          status,
          e.step(),
          Failure.of(Tier.Fatal, Reason.OutputConflict.name(), e.getMessage()),
          events);
      return checkpoint(task, context, status, events, folded);
    } catch (StatusTooLargeException e) {
      oversized.shrinkAndFail(task, status, events, e);
      return checkpoint(task, context, status, events, folded);
    } catch (KubernetesClientException e) {
      // Nothing folded is lost: the outcomes are folded again next time, never re-run.
      pool.requeue(ResourceID.fromResource(task), folded);
      if (e.getCode() != 409) {
        // Not a newer checkpoint but a refusal (too large, invalid, forbidden) or an outage: tell
        // a person, and let JOSDK retry with its backoff.
        recorder.record(
            task,
            EngineEvent.warning(
                EventType.CheckpointFailed,
                status.currentStep,
                "cannot save the status (HTTP " + e.getCode() + "): " + brief(e)));
        throw e;
      }
      // Someone else wrote the status: what was held was built on an older one.
      deferred.drop(task);
      return false;
    }
    deferred.drop(task); // written now, with whatever was held
    if (status.phase != null) {
      phases.put(ResourceID.fromResource(task), status.phase.name());
      metrics.checkpointed(ResourceID.fromResource(task), status);
    }
    return true;
  }

  /**
   * Submits the plan's attempts, each in its span when tracing is on. One already running (started
   * under a held status that a newer stored one replaced) is not sent twice.
   */
  private void startAttempts(
      ResourceID id,
      TaskRef ref,
      AgentTask task,
      AgentTaskStatus status,
      Plan plan,
      AttemptPool.Snapshot attempts) {
    TracedTask traced = tracing.enabled() ? TracedTask.of(ref, status) : null;
    plan.start().stream()
        .filter(a -> !attempts.running().contains(a.key()))
        .forEach(
            a ->
                pool.submit(
                    id,
                    a,
                    tracing.attempt(
                        traced,
                        traced == null ? null : TracedTask.startedAt(status, a.step()),
                        a,
                        executors.forTask(task))));
  }

  private void traceFinished(AgentTask task, Finished before, AgentTaskStatus status) {
    if (before != null) {
      tracing.finished(TracedTask.of(TaskRef.of(task, null), status), before, status);
    }
  }

  /** The events of a checkpoint that was written, and the task's outcome when it turned final. */
  private void record(AgentTask task, AgentTaskStatus status, List<EngineEvent> events) {
    TaskPhase before = task.getStatus() == null ? null : task.getStatus().phase;
    events.forEach(e -> recorder.record(task, e));
    // The task's own outcome (docs/events.md: Succeeded/Failed), once, when the phase turns final.
    if (status.phase != null && status.phase.isFinal() && status.phase != before) {
      recorder.record(
          task,
          status.phase == TaskPhase.Succeeded
              ? EngineEvent.normal(EventType.Succeeded, null, status.message)
              : EngineEvent.warning(EventType.Failed, null, status.message));
    }
    events.stream()
        .filter(e -> e.type() == EventType.LoopDetected)
        .forEach(e -> metrics.loopDetected());
    events.stream()
        .filter(e -> e.type() == EventType.BudgetExhausted)
        .forEach(e -> metrics.budgetExhausted(task.getMetadata().getNamespace()));
  }

  private static String brief(KubernetesClientException e) {
    String message =
        e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage()
            : String.valueOf(e.getMessage());
    return message.length() > 300 ? message.substring(0, 300) + "…" : message;
  }

  private void invalid(AgentTask task, AgentTaskStatus status, List<Problem> problems) {
    engine.invalidSpec(
        TaskRef.of(task, null),
        status,
        problems.stream().map(Problem::toString).collect(Collectors.joining("; ")));
  }

  /** The task was deleted: its attempts are cancelled and what is held for it dropped. */
  private void forget(AgentTask task) {
    pool.cancel(ResourceID.fromResource(task));
    engine.forget(TaskRef.of(task, null));
    seen.remove(ResourceID.fromResource(task));
    deferred.drop(task);
    validator.forget(task);
    phases.remove(ResourceID.fromResource(task));
    metrics.forget(ResourceID.fromResource(task));
  }

  /** A task an older version finalized would otherwise stay Terminating. */
  private static void releaseLegacyFinalizer(AgentTask task, Context<AgentTask> context) {
    if (task.getMetadata().getFinalizers() == null
        || !task.getMetadata().getFinalizers().contains(LEGACY_FINALIZER)) {
      return;
    }
    try {
      // A JSON patch that tests the entry before removing it: if the list changed since it was
      // read, the API server refuses it (422) and JOSDK retries on the fresh task, so someone
      // else's finalizer is never the one removed.
      String at =
          "/metadata/finalizers/" + task.getMetadata().getFinalizers().indexOf(LEGACY_FINALIZER);
      context
          .getClient()
          .resource(task)
          .patch(
              PatchContext.of(PatchType.JSON),
              "[{\"op\":\"test\",\"path\":\""
                  + at
                  + "\",\"value\":\""
                  + LEGACY_FINALIZER
                  + "\"},{\"op\":\"remove\",\"path\":\""
                  + at
                  + "\"}]");
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e; // JOSDK retries with its backoff
      }
    }
  }

  @Override
  public List<EventSource<?, AgentTask>> prepareEventSources(
      EventSourceContext<AgentTask> context) {
    Set<String> namespaces =
        context.getControllerConfiguration().getInformerConfig().getNamespaces();
    var secretsSource =
        new SecretChanges(
            context.getClient(),
            InformerConfiguration.allNamespacesWatched(namespaces) ? Set.of() : namespaces,
            s -> SecretVersions.tasksReferencing(context.getPrimaryCache(), s),
            secrets.cache());
    return List.of(pool.eventSource(), secretsSource);
  }
}
