package dev.steadfast.operator;

import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.Ledger;
import dev.steadfast.engine.Pricing;
import dev.steadfast.engine.Reason;
import dev.steadfast.engine.exec.TokenUsage;
import dev.steadfast.engine.ratelimit.EndpointKey;
import dev.steadfast.engine.ratelimit.EndpointLimits;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's Prometheus metrics. Counters and the step timer are updated as things happen; the
 * task and breaker gauges are read from their suppliers when {@link #scrape()} runs, because
 * namespaces come and go and a gauge registered up front cannot follow them. Breakers are counted
 * per namespace and state, never labelled by key: keys are chosen by tenants, and a label per key
 * would let any of them grow the operator's series without bound.
 */
public final class OperatorMetrics {
  /** Checkpoint write results for {@link #checkpointWrite}. */
  public static final String OK = "ok";

  public static final String CONFLICT = "conflict";
  public static final String ERROR = "error";

  /** Breaker states always exported per namespace, so a state's series does not vanish at 0. */
  static final List<String> BREAKER_STATES = List.of("CLOSED", "OPEN", "HALF_OPEN");

  private static final Logger LOG = LoggerFactory.getLogger(OperatorMetrics.class);

  // Meters updated on every attempt and checkpoint, kept once registered: building a meter's id
  // (tags sorted, a histogram's buckets) to find it again in the registry cost more than the
  // update. One entry per meter, which the registry holds anyway.
  private final Map<List<String>, Counter> attemptCounters = new ConcurrentHashMap<>();
  private final Map<List<String>, Timer> stepTimers = new ConcurrentHashMap<>();
  private final Map<String, Counter> checkpointCounters = new ConcurrentHashMap<>();

  // Steps range from a fast HTTP call to a long agent loop or Job.
  private static final Duration[] STEP_BUCKETS = {
    Duration.ofMillis(100),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofSeconds(5),
    Duration.ofSeconds(15),
    Duration.ofSeconds(30),
    Duration.ofMinutes(1),
    Duration.ofMinutes(5),
    Duration.ofMinutes(15),
    Duration.ofHours(1)
  };

  private final PrometheusMeterRegistry registry;
  private final Supplier<Map<String, Map<String, Long>>> tasksByPhase;
  private final Supplier<Map<String, Map<String, Long>>> breakerCounts;
  private final Supplier<Map<String, FairSlots.Usage>> slotUsage;
  private final MultiGauge tasks;
  private final MultiGauge waitingOldest;
  private final WaitingTasks waiting = new WaitingTasks();
  private volatile java.time.Clock clock = java.time.Clock.systemUTC();
  private final MultiGauge breakers;
  private final MultiGauge slotsInUse;
  private final MultiGauge slotsWaiting;
  private final MultiGauge endpointConcurrency;
  private final MultiGauge endpointInFlight;
  private final MultiGauge endpointQueued;
  private volatile Supplier<List<EndpointLimits.HostGauge>> endpoints = List::of;
  private final Counter loopDetections;
  private final LabelValues chosen = new LabelValues();
  // The taxonomy's reasons are a fixed set; only reasons of a tenant's own classify rules are
  // bounded.
  private static final Set<String> KNOWN_REASONS =
      java.util.Arrays.stream(Reason.values())
          .map(Enum::name)
          .collect(java.util.stream.Collectors.toUnmodifiableSet());
  private final Counter reconciles;
  private volatile java.util.function.BooleanSupplier ready = () -> true;

  /**
   * @param tasksByPhase namespace → phase name → task count; a namespace it names is exported with
   *     every phase, those it leaves out as 0
   * @param breakerCounts namespace → state name (CLOSED, OPEN, HALF_OPEN, …) → number of breakers
   */
  public OperatorMetrics(
      Supplier<Map<String, Map<String, Long>>> tasksByPhase,
      Supplier<Map<String, Map<String, Long>>> breakerCounts) {
    this(tasksByPhase, breakerCounts, Map::of);
  }

  /**
   * @param slotUsage namespace → slots of --max-concurrent-steps in use and attempts waiting for
   *     one; namespaces left out (nothing running or waiting) have no series
   */
  public OperatorMetrics(
      Supplier<Map<String, Map<String, Long>>> tasksByPhase,
      Supplier<Map<String, Map<String, Long>>> breakerCounts,
      Supplier<Map<String, FairSlots.Usage>> slotUsage) {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.tasksByPhase = tasksByPhase;
    this.breakerCounts = breakerCounts;
    this.slotUsage = slotUsage;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    tasks = multiGauge("steadfast.tasks", "AgentTasks by namespace and phase");
    waitingOldest =
        MultiGauge.builder("steadfast.waiting.oldest")
            .description(
                "Per namespace, how long the current step of its longest-waiting task has been"
                    + " going (0: none waiting)")
            .baseUnit("seconds")
            .register(registry);
    breakers = multiGauge("steadfast.breakers", "Circuit breakers by namespace and state");
    slotsInUse =
        multiGauge(
            "steadfast.slots.in.use",
            "Slots of --max-concurrent-steps running an attempt, by namespace");
    slotsWaiting =
        multiGauge(
            "steadfast.slots.waiting",
            "Attempts waiting for a slot of --max-concurrent-steps, by namespace");
    endpointConcurrency =
        multiGauge(
            "steadfast.endpoint.concurrency",
            "Adaptive concurrency limit towards an endpoint host (summed over its API keys)");
    endpointInFlight =
        multiGauge(
            "steadfast.endpoint.in.flight",
            "Model calls under way towards an endpoint host, within its adaptive limit");
    endpointQueued =
        multiGauge(
            "steadfast.endpoint.queued",
            "Attempts waiting behind the adaptive limit of an endpoint host");
    loopDetections =
        Counter.builder("steadfast.loop.detections")
            .description("Steps stopped as LoopDetected")
            .register(registry);
    reconciles =
        Counter.builder("steadfast.reconciles")
            .description("Reconciles of AgentTasks (events, attempt outcomes, timers)")
            .register(registry);
    for (String result : List.of(OK, CONFLICT, ERROR)) {
      checkpointCounter(result);
    }
    // An alert on "not ready" needs a series that says 0, not one that vanishes.
    io.micrometer.core.instrument.Gauge.builder(
            "steadfast.ready", this, m -> m.ready.getAsBoolean() ? 1 : 0)
        .description("1 when the operator is started and serves its tasks (as /readyz), else 0")
        .register(registry);
    refreshGauges();
  }

  private MultiGauge multiGauge(String name, String description) {
    return MultiGauge.builder(name).description(description).register(registry);
  }

  /**
   * Counts one finished attempt.
   *
   * @param namespace the task's namespace: bounded by the namespaces the operator watches, so the
   *     dashboard can filter by it (never the task's name, which tenants choose without bound)
   * @param tier Succeeded, or the failure's tier: Transient, Recoverable, Fatal
   * @param reason the failure reason (docs/errors.md); for a success, anything stable such as
   *     "Succeeded"
   */
  public void attempt(String namespace, String tier, String reason) {
    String r = orNone(reason);
    if (!KNOWN_REASONS.contains(r) && !r.equals("Succeeded") && !r.equals("None")) {
      r = chosen.of("reason", orNone(namespace), r);
    }
    attemptCounters
        .computeIfAbsent(
            List.of(orNone(namespace), orNone(tier), r),
            k ->
                Counter.builder("steadfast.attempts")
                    .description("Attempts by namespace, outcome tier and reason")
                    .tags("namespace", k.get(0), "tier", k.get(1), "reason", k.get(2))
                    .register(registry))
        .increment();
  }

  /**
   * Counts an attempt that ended, by outcome, and how long it took, by step kind; a model call
   * refused with 429 also counts towards its endpoint host.
   */
  void attemptEnded(String namespace, AttemptPool.Completed c) {
    if (c.outcome() instanceof dev.steadfast.engine.exec.Outcome.Failed f) {
      attempt(namespace, f.failure().tier().name(), f.failure().reason());
      EndpointKey key =
          c.attempt().request() == null
              ? null
              : EndpointKey.of(namespace, c.attempt().request().call());
      if (key != null && Reason.RateLimited.name().equals(f.failure().reason())) {
        rateLimited(key.host());
      }
    } else {
      attempt(namespace, "Succeeded", "");
    }
    var call = c.attempt().request() == null ? null : c.attempt().request().call();
    stepDuration(namespace, call == null ? "fallback" : call.getClass().getSimpleName(), c.took());
  }

  /**
   * Counts the tokens a model call's provider reported (steadfast_tokens_total, kind input or
   * output) and their cost (steadfast_cost_total, only for priced models), by namespace and model.
   */
  void used(String namespace, AttemptPool.Completed c, Pricing pricing) {
    TokenUsage usage = c.outcome().usage();
    String model =
        c.attempt().request() == null ? null : Ledger.model(c.attempt().request().call());
    if (usage == null || model == null) {
      return;
    }
    BigDecimal cost = pricing.cost(model, usage);
    model = chosen.of("model", orNone(namespace), model);
    tokens(namespace, model, "input").increment(usage.inputTokens());
    tokens(namespace, model, "output").increment(usage.outputTokens());
    if (cost != null) {
      Counter.builder("steadfast.cost")
          .description(
              "Cost of the tokens model calls used, in the currency of the --pricing table")
          .tags("namespace", orNone(namespace), "model", model)
          .register(registry)
          .increment(cost.doubleValue());
    }
  }

  private Counter tokens(String namespace, String model, String kind) {
    return Counter.builder("steadfast.tokens")
        .description("Tokens model calls used, as their providers reported them")
        .tags("namespace", orNone(namespace), "model", model, "kind", kind)
        .register(registry);
  }

  /** Records how long a step took, by namespace and step kind (http, llm, agent, job). */
  public void stepDuration(String namespace, String kind, Duration d) {
    stepTimers
        .computeIfAbsent(
            List.of(orNone(namespace), orNone(kind)),
            k ->
                Timer.builder("steadfast.step.duration")
                    .description("Step duration from start to success or failure")
                    .tags("namespace", k.get(0), "kind", k.get(1))
                    .serviceLevelObjectives(STEP_BUCKETS)
                    .register(registry))
        .record(d);
  }

  /**
   * Counts a model call an endpoint refused with 429, by host (the same hosts as
   * steadfast_endpoint_concurrency; never by key).
   */
  void rateLimited(String host) {
    Counter.builder("steadfast.endpoint.rate.limited")
        .description("Model calls an endpoint host refused with 429 (rate limited)")
        .tags("endpoint", chosen.of("endpoint", "", orNone(host)))
        .register(registry)
        .increment();
  }

  /** Counts a task suspended because its budget would be exceeded (BudgetExhausted). */
  public void budgetExhausted(String namespace) {
    Counter.builder("steadfast.budget.exhausted")
        .description(
            "Tasks suspended BudgetExhausted: their next model call could exceed the budget")
        .tags("namespace", orNone(namespace))
        .register(registry)
        .increment();
  }

  /**
   * Notes a task's phase after its checkpoint was written or found at rest, for
   * steadfast_waiting_oldest_seconds.
   */
  void checkpointed(
      io.javaoperatorsdk.operator.processing.event.ResourceID id,
      dev.steadfast.api.AgentTaskStatus status) {
    waiting.note(id, status);
  }

  /** The task was deleted. */
  void forget(io.javaoperatorsdk.operator.processing.event.ResourceID id) {
    waiting.forget(id);
  }

  /** The clock the waiting ages are measured with (the operator's). */
  void clock(java.time.Clock clock) {
    this.clock = clock;
  }

  /** What steadfast_ready reports: the operator's readiness, as /readyz answers it. */
  public void ready(java.util.function.BooleanSupplier ready) {
    this.ready = ready;
  }

  public void reconciled() {
    reconciles.increment();
  }

  /** Reconciles so far, for tests and benchmarks. */
  public double reconciles() {
    return reconciles.count();
  }

  public void loopDetected() {
    loopDetections.increment();
  }

  /** Counts a checkpoint write: {@link #OK}, {@link #CONFLICT} or {@link #ERROR}. */
  public void checkpointWrite(String result) {
    checkpointCounter(orNone(result)).increment();
  }

  /** The adaptive concurrency limits to show, by endpoint host (never by key). */
  public void endpoints(Supplier<List<EndpointLimits.HostGauge>> gauges) {
    this.endpoints = gauges;
  }

  /** Prometheus text format 0.0.4, with the supplier-fed gauges read now. */
  public synchronized String scrape() {
    refreshGauges();
    return registry.scrape();
  }

  /** For wiring other instrumentation (JOSDK, the HTTP client) into the same registry. */
  public MeterRegistry registry() {
    return registry;
  }

  private Counter checkpointCounter(String result) {
    return checkpointCounters.computeIfAbsent(
        result,
        r ->
            Counter.builder("steadfast.checkpoint.writes")
                .description("Checkpoint (status) writes by result")
                .tags("result", r)
                .register(registry));
  }

  private void refreshGauges() {
    // A failing supplier keeps the last values rather than failing the scrape.
    try {
      List<MultiGauge.Row<?>> rows = new ArrayList<>();
      Map<String, Map<String, Long>> byNamespace = tasksByPhase.get();
      byNamespace.forEach(
          (namespace, byPhase) -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (TaskPhase phase : TaskPhase.values()) {
              counts.put(phase.name(), 0L);
            }
            byPhase.forEach((phase, n) -> counts.put(orNone(phase), n == null ? 0L : n));
            counts.forEach(
                (phase, n) ->
                    rows.add(
                        MultiGauge.Row.of(
                            Tags.of("namespace", orNone(namespace), "phase", phase), n)));
          });
      tasks.register(rows, true);
      // Every namespace with tasks has a series, 0 when none waits: an alert's `for:` then
      // follows one series rather than one that comes and goes.
      Map<String, Duration> oldest = waiting.oldestByNamespace(clock.instant());
      Map<String, Double> seconds = new java.util.TreeMap<>();
      byNamespace.keySet().forEach(ns -> seconds.put(orNone(ns), 0.0));
      oldest.forEach((ns, age) -> seconds.put(orNone(ns), age.toMillis() / 1000.0));
      List<MultiGauge.Row<?>> ages = new ArrayList<>();
      seconds.forEach((ns, s) -> ages.add(MultiGauge.Row.of(Tags.of("namespace", ns), s)));
      waitingOldest.register(ages, true);
    } catch (RuntimeException e) {
      LOG.warn("could not read task counts for metrics: {}", e.toString());
    }
    try {
      List<MultiGauge.Row<?>> rows = new ArrayList<>();
      breakerCounts
          .get()
          .forEach(
              (namespace, counts) -> {
                Map<String, Long> byState = new LinkedHashMap<>();
                BREAKER_STATES.forEach(s -> byState.put(s, 0L));
                counts.forEach((s, n) -> byState.put(orNone(s), n == null ? 0L : n));
                byState.forEach(
                    (s, n) ->
                        rows.add(
                            MultiGauge.Row.of(
                                Tags.of("namespace", orNone(namespace), "state", s), n)));
              });
      breakers.register(rows, true);
    } catch (RuntimeException e) {
      LOG.warn("could not read breaker states for metrics: {}", e.toString());
    }
    try {
      List<MultiGauge.Row<?>> inUse = new ArrayList<>();
      List<MultiGauge.Row<?>> waiting = new ArrayList<>();
      slotUsage
          .get()
          .forEach(
              (namespace, u) -> {
                Tags tags = Tags.of("namespace", orNone(namespace));
                inUse.add(MultiGauge.Row.of(tags, u.inUse()));
                waiting.add(MultiGauge.Row.of(tags, u.waiting()));
              });
      // overwrite=true drops the series of namespaces that have nothing any more.
      slotsInUse.register(inUse, true);
      slotsWaiting.register(waiting, true);
    } catch (RuntimeException e) {
      LOG.warn("could not read slot usage for metrics: {}", e.toString());
    }
    List<MultiGauge.Row<?>> limit = new ArrayList<>();
    List<MultiGauge.Row<?>> inFlight = new ArrayList<>();
    List<MultiGauge.Row<?>> queued = new ArrayList<>();
    for (EndpointLimits.HostGauge g : endpoints.get()) {
      Tags tags = Tags.of("endpoint", orNone(g.host()));
      limit.add(MultiGauge.Row.of(tags, g.limit()));
      inFlight.add(MultiGauge.Row.of(tags, g.inFlight()));
      queued.add(MultiGauge.Row.of(tags, g.queued()));
    }
    endpointConcurrency.register(limit, true);
    endpointInFlight.register(inFlight, true);
    endpointQueued.register(queued, true);
  }

  private static String orNone(String value) {
    return value == null || value.isBlank() ? "None" : value;
  }
}
