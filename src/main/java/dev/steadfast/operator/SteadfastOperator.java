package dev.steadfast.operator;

import dev.steadfast.engine.ResponseCache;
import dev.steadfast.engine.TaskEngine;
import dev.steadfast.engine.TaskRef;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.ratelimit.EndpointLimits;
import dev.steadfast.engine.validation.TaskValidator;
import dev.steadfast.executors.ExecutorWiring;
import dev.steadfast.executors.egress.EgressPolicy;
import dev.steadfast.operator.jobs.JobExecutor;
import dev.steadfast.operator.secrets.KubernetesSecrets;
import dev.steadfast.operator.secrets.SecretCache;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/** Wires the operator by hand (no DI container): one place to see every collaborator. */
public final class SteadfastOperator implements AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(SteadfastOperator.class);
  // How long a clean shutdown waits for interrupted attempts to return before giving up the Lease.
  private static final Duration ATTEMPTS_STOP = Duration.ofSeconds(5);

  private final KubernetesClient client;
  private final OperatorConfig config;
  private final Operator operator;
  private final AttemptPool pool;
  private final TaskExecutors executors;
  private final Breakers breakers;
  private final OperatorMetrics metrics;
  private final AtomicBoolean closing = new AtomicBoolean();
  private static final Duration EVENTS_FLUSH = Duration.ofSeconds(5);
  private final EventRecorder events;
  private final SharedTasks tasks;

  public SteadfastOperator(KubernetesClient client, OperatorConfig config, Clock clock) {
    this.client = client;
    this.config = config;
    this.pool = new AttemptPool(config.maxConcurrentSteps());
    this.breakers =
        new Breakers(
            clock,
            new ConfigMapBreakerStore(
                client, config.operatorNamespace(), config.breakersConfigMap()));
    Map<ResourceID, String> phases = new java.util.concurrent.ConcurrentHashMap<>();
    this.metrics =
        new OperatorMetrics(
            () ->
                phases.entrySet().stream()
                    .collect(
                        Collectors.groupingBy(
                            e -> e.getKey().getNamespace().orElse(""),
                            Collectors.groupingBy(Map.Entry::getValue, Collectors.counting()))),
            breakers::countsByNamespace,
            pool::slotUsage);
    metrics.clock(clock);
    // One set of limits per process: every task calling one provider key shares its limit.
    EndpointLimits limits =
        config.adaptiveConcurrency()
            ? EndpointLimits.forDriver(clock, config.maxConcurrentSteps())
            : null;
    if (limits != null) {
      // A freed slot reconciles as many waiting tasks as there are free slots, oldest first.
      limits.onWake(
          t -> {
            TaskRef task = (TaskRef) t;
            pool.eventSource().propagateEvent(new ResourceID(task.name(), task.namespace()));
          });
      metrics.endpoints(limits::gauges);
    }
    TaskEngine engine =
        new TaskEngine(
            clock,
            breakers,
            ResponseCache.inMemory(ResponseCache.DEFAULT_BYTES),
            new SecureRandom(),
            config.defaultPolicy(),
            config.maxItems(),
            config.pricing(),
            limits);
    // Read by the attempts, kept current by the Secret informer the reconciler starts.
    SecretCache secrets = new SecretCache(client);
    this.executors = new TaskExecutors(executors(client, secrets, clock, config, limits));
    this.events = new EventRecorder(client, clock);
    EventRecorder.bindMetrics(events, metrics.registry());
    metrics.ready(this::ready);
    AgentTaskReconciler reconciler =
        new AgentTaskReconciler(
            TaskValidator::bundled,
            engine,
            pool,
            executors,
            new StatusCheckpointStore(client, metrics),
            events,
            new SecretVersions(secrets),
            metrics,
            phases,
            clock,
            config.tracing());
    this.tasks =
        config.checkTasksUnchanged()
            ? SharedTasks.checking(client.getKubernetesSerialization())
            : SharedTasks.shared();
    this.operator =
        new Operator(
            o -> {
              int threads = reconcileThreads(config.maxConcurrentSteps());
              // Our own executor, not JOSDK's first-come pool: a reconcile that folds an
              // answered call goes ahead of queued ones (ReconcileThreads), so answers reach the
              // status within a bounded time however many tasks wait for their first reconcile.
              o.withKubernetesClient(client)
                  .withResourceCloner(tasks)
                  .withConcurrentReconciliationThreads(threads)
                  .withExecutorService(ReconcileThreads.create(threads))
                  .withUseSSAToPatchPrimaryResource(false)
                  .withCloseClientOnStop(false)
                  .withStopOnInformerErrorDuringStartup(false);
              if (config.leaderElection()) {
                o.withLeaderElectionConfiguration(
                    LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                            config.leaseName())
                        .withLeaseNamespace(config.operatorNamespace())
                        .withIdentity(config.identity())
                        // A replica that lost its lease dies at once so that it never runs steps
                        // next to the new leader; Kubernetes restarts it as a follower. Not
                        // System.exit: during a SIGTERM shutdown that blocks forever inside the
                        // shutdown hook, and stopping on purpose is not losing the lease.
                        .withExitOnStopLeading(false)
                        .withLeaderCallbacks(
                            new LeaderCallbacks(
                                () -> {},
                                () -> {
                                  if (config.exitOnLostLease() && !closing.get()) {
                                    Runtime.getRuntime().halt(1);
                                  }
                                },
                                leader -> {}))
                        .build());
              }
            });
    operator.register(
        reconciler,
        c -> {
          if (config.namespaces() != null && !config.namespaces().isEmpty()) {
            c.settingNamespaces(new HashSet<>(config.namespaces()));
          }
        });
  }

  /**
   * Reconcile threads for {@code --max-concurrent-steps N}: N, at least JOSDK's 50 and at most 64.
   * Every slot needs a reconcile to start its attempt and one to fold the answer, and a reconcile
   * spends most of its time waiting for the API server (its status write): with far fewer threads
   * than slots, answered calls would queue for a thread before they are checkpointed. But what
   * reconciles can do at once is bounded by the writes the API server takes (a few hundred a
   * second, each waited on for tens of milliseconds), so past 64 more threads only take CPU from
   * each other: at 256, 1,000 one-step tasks took 11.1 s with 256 threads and 8.8 s with 64.
   */
  static int reconcileThreads(int maxConcurrentSteps) {
    return Math.max(
        io.javaoperatorsdk.operator.api.config.ConfigurationService
            .DEFAULT_RECONCILIATION_THREADS_NUMBER,
        Math.min(MAX_RECONCILE_THREADS, maxConcurrentSteps));
  }

  static final int MAX_RECONCILE_THREADS = 64;

  /**
   * The shared executors (ExecutorWiring) behind --egress-allow, plus the job executor.
   *
   * @throws IllegalArgumentException naming --egress-allow and an entry it cannot read
   */
  static ExecutorWiring executors(
      KubernetesClient client,
      SecretCache cache,
      Clock clock,
      OperatorConfig config,
      EndpointLimits limits) {
    EgressPolicy egress = EgressPolicy.denyInternal(config.egressAllow());
    // Plain http may carry a Secret-bound value only to a host --egress-allow names
    // (docs/security.md).
    KubernetesSecrets secrets =
        new KubernetesSecrets(cache, config.secretPolicy(), egress::namedByAllowList);
    // Jobs run in pods: their egress is the NetworkPolicy's business, not the operator's.
    Executor jobs =
        new JobExecutor(client, clock, cache, config.secretPolicy(), config.jobServiceAccounts());
    return ExecutorWiring.forDriver(
        clock,
        new ExecutorWiring.Settings(
            egress,
            config.bodyLimits().maxResponseBytes(),
            config.bodyLimits().maxBytesInFlight(),
            config.enableChaos()),
        secrets,
        Map.of(Call.JobCall.class, jobs),
        limits);
  }

  public SteadfastOperator start() {
    operator.start();
    return this;
  }

  public Operator operator() {
    return operator;
  }

  public OperatorMetrics metrics() {
    return metrics;
  }

  /** Attempts still running in this process, for tests that delete a task mid-attempt. */
  int inFlightAttempts() {
    return pool.inFlight();
  }

  /** Pool threads still executing an attempt (a cancelled one counts until it returns). */
  int busyAttemptThreads() {
    return pool.busyThreads();
  }

  public Breakers breakers() {
    return breakers;
  }

  /**
   * Tasks a reconcile was handed and that something changed since (only with {@link
   * OperatorConfig#checkTasksUnchanged()}): JOSDK's cache holds them, so it must be empty.
   */
  public List<String> changedTasks() {
    return tasks.changed();
  }

  public boolean ready() {
    return operator.getRuntimeInfo().isStarted();
  }

  @Override
  public void close() {
    closing.set(true);
    operator.stop();
    // After the reconcilers stopped, so the last events of a task are among those sent.
    events.close(EVENTS_FLUSH);
    pool.close();
    if (config.leaderElection()) {
      releaseLease();
    }
    // Last: an attempt still running loses its connection, and the next operator sends it again
    // with the same key, as after any stop.
    executors.close();
  }

  /**
   * Gives up the Lease after a clean stop, as client-go's ReleaseOnCancel does, so that a standby
   * replica takes over on its next retry (about 2 s) rather than when the lease expires (15 s after
   * the last renewal). JOSDK never releases it: it builds fabric8's LeaderElector with
   * releaseOnCancel=false so that onStopLeading is always called. Released only once every attempt
   * thread has returned, so the new leader never runs a step next to one of ours; the update
   * carries the resourceVersion read, so it never clears a Lease that someone else holds by then.
   */
  private void releaseLease() {
    try {
      if (!pool.awaitIdle(ATTEMPTS_STOP)) {
        LOG.warn("attempts still running after {}: the Lease is left to expire", ATTEMPTS_STOP);
        return;
      }
      var lock = new LeaseLock(config.operatorNamespace(), config.leaseName(), config.identity());
      var elector =
          new LeaderElector(
              client,
              new LeaderElectionConfig(
                  lock,
                  LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                  LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                  LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                  new LeaderCallbacks(() -> {}, () -> {}, leader -> {}),
                  true,
                  config.leaseName()),
              Runnable::run);
      if (elector.release()) {
        LOG.info("released the Lease {}/{}", config.operatorNamespace(), config.leaseName());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn("could not release the Lease; it expires by itself", e);
    }
  }
}
