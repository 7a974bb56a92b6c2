package dev.steadfast.bench;

import dev.steadfast.e2e.BenchApiServer;
import dev.steadfast.e2e.KubeApiServer;
import dev.steadfast.operator.EventRecorder;
import dev.steadfast.simulator.IdempotencyAudit;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator's performance against the API server's own limit (issue 14), in one run on the test
 * etcd + kube-apiserver: the operator runs as its own JVM ({@link OperatorProcess}), the model is
 * the simulator in this JVM, API requests are counted by the API server ({@link ApiRequestCounts}).
 * Each figure is one line on stdout; progress goes to stderr.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@operator-bench} with optional {@code
 * -Dbench.only=raw,transitions,concurrency,start,rest,kill} and {@code -Dbench.scale=0.1} (task
 * counts and durations scaled down to try it quickly). See docs/benchmarks.md.
 */
public final class OperatorBenchmark {
  static final List<String> SCENARIOS =
      List.of("raw", "transitions", "concurrency", "start", "rest", "kill", "ratelimit");
  static final Duration LONG = Duration.ofMinutes(15);
  static final Path LOGS = Path.of("target", "bench");
  // Longer than the operator's event batching window and the time it may hold an event back.
  static final Duration EVENTS_QUIET = Duration.ofSeconds(5);

  private final KubeApiServer server;
  private final KubernetesClient client;
  private final double scale;
  private Double rawWritesPerSecond;
  private Double rawWritesPerSecond64;
  private Double rawEventsPerSecond;

  OperatorBenchmark(KubeApiServer server, double scale) {
    this.server = server;
    this.client = server.client();
    this.scale = scale;
  }

  public static void main(String[] args) throws Exception {
    double scale = Double.parseDouble(System.getProperty("bench.scale", "1"));
    String onlyProperty = System.getProperty("bench.only", "").trim();
    Set<String> only =
        onlyProperty.isEmpty() || onlyProperty.equals("all")
            ? new LinkedHashSet<>(SCENARIOS)
            : new LinkedHashSet<>(Arrays.asList(onlyProperty.split("\\s*,\\s*")));
    if (!SCENARIOS.containsAll(only)) {
      System.err.println("bench.only: choose among " + SCENARIOS + ", got " + only);
      System.exit(2);
    }
    long started = System.nanoTime();
    boolean failed = false;
    line("machine", machine());
    line("scale", scale + " (1 = the sizes of issue 14)");
    line("operator started as", OperatorProcess.describe());
    Files.createDirectories(LOGS);
    KubeApiServer server = BenchApiServer.start();
    AtomicBoolean stopped = new AtomicBoolean();
    Runnable stop =
        () -> {
          if (stopped.compareAndSet(false, true)) {
            server.close();
          }
        };
    // a benchmark stopped with Ctrl-C or kill must not leave etcd and kube-apiserver running
    Runtime.getRuntime().addShutdownHook(new Thread(stop));
    try {
      server.installCrd();
      OperatorBenchmark bench = new OperatorBenchmark(server, scale);
      for (String scenario : SCENARIOS) {
        if (!only.contains(scenario)) {
          continue;
        }
        progress("scenario " + scenario);
        try {
          switch (scenario) {
            case "raw" -> bench.raw();
            case "transitions" -> bench.transitions();
            case "concurrency" -> {
              bench.concurrency(64);
              bench.concurrency(256);
            }
            case "start" -> bench.start();
            case "rest" -> bench.atRest();
            case "kill" -> bench.kill();
            case "ratelimit" -> bench.rateLimit();
            default -> throw new IllegalStateException(scenario);
          }
        } catch (Exception e) {
          line(scenario + ": FAILED", String.valueOf(e));
          e.printStackTrace();
          failed = true;
        }
      }
    } finally {
      stop.run();
    }
    line("load average at the end (1, 5, 15 min)", loadAverage());
    line("benchmark duration", String.format("%.0f s", (System.nanoTime() - started) / 1e9));
    // exit explicitly: the simulator's and the informers' threads are not all daemons
    System.exit(failed ? 1 : 0);
  }

  int scaled(int n) {
    return Math.max(1, (int) Math.round(n * scale));
  }

  /**
   * A plain fabric8 client, PUT /status on AgentTasks that no operator watches, with 8 writers and
   * with 64 (as many as the operator may have calls in flight); then event creates (POST events)
   * with 8 writers: the API server's own rates for the two kinds of request the operator makes, and
   * the CPU each process spent on them.
   */
  void raw() throws Exception {
    int count = Math.max(64, scaled(200));
    Duration measure = Duration.ofMillis(Math.max(3000, Math.round(10_000 * scale)));
    // -Dbench.raw.steps=100: what the API server spends per status write grows with the spec, whose
    // CEL rules it evaluates again on every write (docs/benchmarks.md)
    int specSteps = Integer.getInteger("bench.raw.steps", 5);
    try (BenchTasks ns = new BenchTasks(client, "bench-raw")) {
      List<GenericKubernetesResource> created =
          ns.createAll(
              "raw", count, name -> ns.llmTask(name, specSteps, "http://127.0.0.1:9"), t -> t);
      long[] eight =
          rawRun(
              measure,
              BenchTasks.CLIENT_THREADS,
              w -> statusWriter(ns, created, w, BenchTasks.CLIENT_THREADS));
      rawWritesPerSecond = eight[0] / (measure.toNanos() / 1e9);
      line(
          "raw status writes/s (fabric8, 8 writers, PUT agenttasks/status"
              + (specSteps == 5 ? ")" : ", " + specSteps + "-step specs)"),
          String.format(
              "%.1f /s (%d writes in %.1f s over %d tasks, %d conflicts; load %s)",
              rawWritesPerSecond,
              eight[0],
              measure.toNanos() / 1e9,
              count,
              eight[1],
              loadAverage()));
      // the objects as the 8 writers left them: a stale resourceVersion would start with conflicts
      List<GenericKubernetesResource> current = ns.list();
      long[] many = rawRun(measure, 64, w -> statusWriter(ns, current, w, 64));
      rawWritesPerSecond64 = many[0] / (measure.toNanos() / 1e9);
      line(
          "raw status writes/s (64 writers)",
          String.format(
              "%.1f /s (%d writes, %d conflicts; load %s)",
              rawWritesPerSecond64, many[0], many[1], loadAverage()));
      String involved = created.get(0).getMetadata().getName();
      String uid = created.get(0).getMetadata().getUid();
      long[] events =
          rawRun(measure, BenchTasks.CLIENT_THREADS, w -> eventWriter(ns, involved, uid, w));
      rawEventsPerSecond = events[0] / (measure.toNanos() / 1e9);
      line(
          "raw event creates/s (8 writers, POST events)",
          String.format(
              "%.1f /s (%d creates; load %s)", rawEventsPerSecond, events[0], loadAverage()));
    }
  }

  /** One writer of a raw run: sends a request, says whether it was a conflict (409). */
  interface RawWriter {
    boolean send();
  }

  /**
   * {@code writers} threads each sending requests for 1 s of warm-up, then counted for {@code
   * measure}; prints the CPU of each process over the counted time. Returns {ok, conflicts}.
   */
  private long[] rawRun(
      Duration measure, int writers, java.util.function.IntFunction<RawWriter> writer)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    long end = warmEnd + measure.toNanos();
    List<Future<long[]>> results = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      RawWriter mine = writer.apply(w);
      results.add(
          pool.submit(
              () -> {
                long ok = 0;
                long conflicts = 0;
                while (System.nanoTime() < end) {
                  boolean conflict = mine.send();
                  long now = System.nanoTime();
                  if (now > warmEnd && now < end) {
                    if (conflict) {
                      conflicts++;
                    } else {
                      ok++;
                    }
                  }
                }
                return new long[] {ok, conflicts};
              }));
    }
    while (System.nanoTime() < warmEnd) {
      Thread.sleep(5);
    }
    ProcessCpu cpuBefore = ProcessCpu.now(null);
    while (System.nanoTime() < end) {
      Thread.sleep(5);
    }
    ProcessCpu cpu = ProcessCpu.now(null).since(cpuBefore);
    long ok = 0;
    long conflicts = 0;
    for (Future<long[]> f : results) {
      ok += f.get()[0];
      conflicts += f.get()[1];
    }
    pool.shutdown();
    line(
        String.format("  CPU during it (%d writers)", writers),
        cpu.describe(measure.toNanos() / 1e9)
            + String.format("; %.1f CPU-ms per request", cpu.total() / Math.max(1, ok)));
    return new long[] {ok, conflicts};
  }

  /**
   * Writer {@code w} of {@code writers}: PUTs the status of its share of the tasks in turn, each
   * carrying the last resourceVersion it got, as an operator's would.
   */
  private static RawWriter statusWriter(
      BenchTasks ns, List<GenericKubernetesResource> created, int w, int writers) {
    List<GenericKubernetesResource> mine = new ArrayList<>();
    for (int i = w; i < created.size(); i += writers) {
      mine.add(created.get(i));
    }
    long[] n = {0};
    return () -> {
      int i = (int) (n[0]++ % mine.size());
      GenericKubernetesResource task = mine.get(i);
      task.getAdditionalProperties().put("status", runningStatus(n[0]));
      try {
        mine.set(i, ns.tasks().inNamespace(ns.namespace).resource(task).updateStatus());
        return false;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        mine.set(
            i, ns.tasks().inNamespace(ns.namespace).withName(task.getMetadata().getName()).get());
        return true;
      }
    };
  }

  /** Writer {@code w}: creates Events about one task, each a new object as a new reason would. */
  private RawWriter eventWriter(BenchTasks ns, String task, String uid, int w) {
    long[] n = {0};
    return () -> {
      String now = Instant.now().toString();
      client
          .v1()
          .events()
          .inNamespace(ns.namespace)
          .resource(
              new io.fabric8.kubernetes.api.model.EventBuilder()
                  .withNewMetadata()
                  .withName(task + ".raw-" + w + "-" + n[0]++)
                  .endMetadata()
                  .withNewInvolvedObject()
                  .withApiVersion("steadfast.dev/v1")
                  .withKind("AgentTask")
                  .withName(task)
                  .withNamespace(ns.namespace)
                  .withUid(uid)
                  .endInvolvedObject()
                  .withReason("StepSucceeded")
                  .withMessage("s1: succeeded (llm, 1 attempt, write " + n[0] + ")")
                  .withType("Normal")
                  .withCount(1)
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withNewSource()
                  .withComponent("steadfast-bench")
                  .endSource()
                  .build())
          .create();
      return false;
    };
  }

  /**
   * A status shaped like a 5-step task's mid-run one; the write number makes every PUT a change.
   */
  private static Map<String, Object> runningStatus(long write) {
    List<Map<String, Object>> steps = new ArrayList<>();
    for (int s = 1; s <= 5; s++) {
      steps.add(
          Map.of(
              "name",
              "s" + s,
              "phase",
              s < 3 ? "Succeeded" : s == 3 ? "Running" : "Pending",
              "attempts",
              s <= 3 ? 1 : 0));
    }
    return Map.of(
        "observedGeneration",
        1,
        "phase",
        "Running",
        "currentStep",
        "s3",
        "attempts",
        (int) write,
        "message",
        "step s3: attempt 1 running (write " + write + ")",
        "steps",
        steps);
  }

  /**
   * 200 tasks × 5 llm steps, 50 ms model, created while the operator runs: twice, the first round
   * just after it started ({@link #firstRound}), the second measured in full.
   */
  void transitions() throws Exception {
    int tasks = scaled(200);
    int steps = tasks * 5;
    try (LlmSimulator sim = simulator(50);
        BenchTasks ns = new BenchTasks(client, "bench-transitions");
        BenchTasks first = new BenchTasks(client, "bench-transitions-first")) {
      BenchTasks.Finishes finishes = ns.watchFinishes();
      try (OperatorProcess op =
          launch("transitions", ns.namespace, "--namespaces=" + first.namespace)) {
        op.awaitReady(Duration.ofMinutes(2));
        firstRound(op, first, tasks, sim);
        Thread.sleep(1000); // let the start-up requests settle out of the count
        ApiRequestCounts before = ApiRequestCounts.scrape(client);
        double cpuBefore = op.cpuMillis();
        ProcessCpu machineBefore = ProcessCpu.now(op);
        long t0 = System.nanoTime();
        ns.createAll("t", tasks, name -> ns.llmTask(name, 5, sim.baseUrl()), t -> t);
        progress(
            String.format("created %d tasks in %.1f s", tasks, (System.nanoTime() - t0) / 1e9));
        long end = finishes.await(tasks, LONG);
        if (end < 0) {
          throw new IllegalStateException(
              finishes.count() + " of " + tasks + " tasks finished in " + LONG + "; see " + op.log);
        }
        // read at the last finish: what the operator burned running the steps, not idling after
        double cpu = op.cpuMillis() - cpuBefore;
        ProcessCpu machine = ProcessCpu.now(op).since(machineBefore);
        String load = loadAverage();
        // Events are written asynchronously (batched, rate-limited, a step's start held back a
        // moment): counters read at the last finish would miss those still queued.
        ApiRequestCounts used =
            afterEventsDrain(EVENTS_QUIET, LONG).since(before).minus("POST agenttasks", tasks);
        double seconds = (end - t0) / 1e9;
        double rate = steps / seconds;
        line(
            "operator step transitions/s ("
                + tasks
                + " tasks x 5 steps, 50 ms model; second round)",
            String.format(
                "%.1f /s (%d steps in %.1f s from the first create; %d tasks Failed; %d model"
                    + " calls)",
                rate, steps, seconds, finishes.failed(), sim.requests().size()));
        line(
            "transitions/s / raw status writes/s",
            rawWritesPerSecond == null
                ? "n/a (run raw too)"
                : String.format("%.2f (goal >= 0.6)", rate / rawWritesPerSecond));
        line(
            "operator CPU per completed step (user + system, /proc/PID/stat)",
            String.format(
                "%.1f ms (%.1f CPU-s over %.1f s; load average at the last finish %s)",
                cpu / steps, cpu / 1000, seconds, load));
        line(
            "API requests per completed step (operator's, all kinds)",
            String.format("%.2f (%.0f requests; goal <= 2.0)", used.total() / steps, used.total()));
        line("API requests per completed step by kind", used.per(steps));
        line("CPU by process, first create to last finish", machine.describe(seconds));
        line("CPU by process per completed step", machine.per(steps, "step"));
        line(
            "status writes per completed step", String.format("%.2f", used.statusWrites() / steps));
        line("event requests per completed step", String.format("%.2f", used.events() / steps));
        line(
            "Events per completed step by reason (objects, with repeats)",
            eventsByReason(ns, steps));
        line("steps whose start / success the Events show", eventsShowSteps(ns, steps));
        line("step run time, startedAt to completedAt (median, p90, max)", stepDurations(ns));
      } finally {
        finishes.stop();
      }
    }
  }

  /**
   * The first round: the same tasks in another namespace the operator also watches, just after it
   * started. A long-running operator compiled its hot paths long before (under the chart's C1-only
   * JIT, within seconds), so the second round is the one that says what an operator does per step;
   * this one says what a freshly started one does, JIT compiles included.
   */
  private void firstRound(OperatorProcess op, BenchTasks first, int tasks, LlmSimulator sim)
      throws Exception {
    BenchTasks.Finishes finishes = first.watchFinishes();
    try {
      double cpuBefore = op.cpuMillis();
      ProcessCpu machineBefore = ProcessCpu.now(op);
      long t0 = System.nanoTime();
      first.createAll("f", tasks, name -> first.llmTask(name, 5, sim.baseUrl()), t -> t);
      long end = finishes.await(tasks, LONG);
      if (end < 0) {
        throw new IllegalStateException(
            finishes.count() + " of " + tasks + " first-round tasks finished in " + LONG);
      }
      ProcessCpu machine = ProcessCpu.now(op).since(machineBefore);
      int steps = tasks * 5;
      double rate = steps / ((end - t0) / 1e9);
      line(
          "  first round, just after the operator started",
          String.format(
              "%.1f /s%s; operator CPU %.1f ms per step; per step by process: %s",
              rate,
              rawWritesPerSecond == null
                  ? ""
                  : String.format(" (%.2f of the raw rate)", rate / rawWritesPerSecond),
              (op.cpuMillis() - cpuBefore) / steps,
              machine.per(steps, "step")));
      sim.reset();
    } finally {
      finishes.stop();
    }
  }

  /** 1,000 one-step tasks, 200 ms model, all waiting when the operator starts. */
  void concurrency(int maxConcurrentSteps) throws Exception {
    int tasks = scaled(1000);
    try (LlmSimulator sim = simulator(200);
        BenchTasks ns = new BenchTasks(client, "bench-concurrency-" + maxConcurrentSteps)) {
      ns.createAll("c", tasks, name -> ns.llmTask(name, 1, sim.baseUrl()), t -> t);
      BenchTasks.Finishes finishes = ns.watchFinishes();
      ApiRequestCounts before = ApiRequestCounts.scrape(client);
      ProcessCpu machineBefore = ProcessCpu.now(null);
      long launched = System.nanoTime();
      try (OperatorProcess op =
          launch(
              "concurrency-" + maxConcurrentSteps,
              ns.namespace,
              "--max-concurrent-steps=" + maxConcurrentSteps)) {
        long first = firstRequest(sim, op);
        Timeline timeline = Timeline.start(first, sim, finishes);
        long end = finishes.await(tasks, LONG);
        timeline.stop();
        if (end < 0) {
          throw new IllegalStateException(
              finishes.count() + " of " + tasks + " tasks finished in " + LONG + "; see " + op.log);
        }
        // read at the last finish: what was spent making the wall time
        ApiRequestCounts atEnd = ApiRequestCounts.scrape(client).since(before);
        ProcessCpu machine = ProcessCpu.now(op).since(machineBefore);
        String load = loadAverage();
        double wall = (end - first) / 1e9;
        double sinceLaunch = (end - launched) / 1e9;
        // the brief's ideal, N calls at a time; never less than one call
        double ideal = Math.max(tasks * 0.2 / maxConcurrentSteps, 0.2);
        line(
            String.format(
                "%d x 200 ms wall / ideal at --max-concurrent-steps %d", tasks, maxConcurrentSteps),
            String.format(
                "%.1f (goal <= 2; wall %.1f s from the first model call to the last Succeeded, ideal %.2f s;"
                    + " %.1f calls in flight on average; %d model calls, %d Failed)",
                wall / ideal,
                wall,
                ideal,
                tasks * 0.2 / wall,
                sim.requests().size(),
                finishes.failed()));
        double floor = floor(atEnd);
        line(
            "  wall / floor (floor = the API requests made by the last finish at the raw rates)",
            floor == 0
                ? "n/a (run raw too)"
                : String.format(
                    "%.1f (floor %.2f s for %.0f requests: %s; wall / ideal %.1f)",
                    wall / floor, floor, atEnd.total(), atEnd.per(1), wall / ideal));
        line(
            "  CPU by process, operator launch to last finish (load " + load + ")",
            machine.describe(sinceLaunch));
        line("  CPU by process per task", machine.per(tasks, "task"));
        line(
            "  reconciles per task",
            String.format("%.2f", op.metric("steadfast_reconciles_total") / tasks));
        line(
            "  per second from the first call: calls in flight (mean) / answered / finished",
            timeline.describe());
        ApiRequestCounts used = afterEventsDrain(EVENTS_QUIET, LONG).since(before);
        line("  API requests per task by kind (events drained)", used.per(tasks));
      } finally {
        finishes.stop();
      }
    }
  }

  /**
   * Samples, every 50 ms from the first model call, the calls the simulator serves, the answers it
   * sent and the tasks seen finished: where the wall time goes (a slow start, a long tail).
   */
  private static final class Timeline {
    private final List<int[]> samples = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread sampler;
    private volatile boolean stopped;

    private Timeline(long first, LlmSimulator sim, BenchTasks.Finishes finishes) {
      sampler =
          new Thread(
              () -> {
                while (!stopped) {
                  samples.add(
                      new int[] {
                        (int) ((System.nanoTime() - first) / 1_000_000L),
                        sim.concurrency().current(),
                        sim.concurrency().answered(),
                        finishes.count()
                      });
                  try {
                    Thread.sleep(50);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "bench-timeline");
      sampler.setDaemon(true);
    }

    static Timeline start(long first, LlmSimulator sim, BenchTasks.Finishes finishes) {
      Timeline t = new Timeline(first, sim, finishes);
      t.sampler.start();
      return t;
    }

    void stop() throws InterruptedException {
      stopped = true;
      sampler.join(1000);
    }

    String describe() {
      StringBuilder out = new StringBuilder();
      int second = 0;
      double sum = 0;
      int n = 0;
      int[] last = null;
      for (int[] s : samples) {
        if (s[0] / 1000 != second && n > 0) {
          out.append(String.format("%ds %.0f/%d/%d  ", second + 1, sum / n, last[2], last[3]));
          second = s[0] / 1000;
          sum = 0;
          n = 0;
        }
        sum += s[1];
        n++;
        last = s;
      }
      if (n > 0) {
        out.append(String.format("%ds %.0f/%d/%d", second + 1, sum / n, last[2], last[3]));
      }
      return out.toString().trim();
    }
  }

  /**
   * The least time the API server needs for {@code requests} at the rates {@code raw} measured:
   * event requests at the event create rate, the rest at the better of the status write rates (8 or
   * 64 writers). 0 when raw did not run.
   */
  private double floor(ApiRequestCounts requests) {
    if (rawWritesPerSecond == null || rawEventsPerSecond == null) {
      return 0;
    }
    double writes = Math.max(rawWritesPerSecond, rawWritesPerSecond64);
    double events = requests.events();
    return events / rawEventsPerSecond + (requests.total() - events) / writes;
  }

  /**
   * 50 one-call tasks on one API key against a provider that serves 5 requests of a key at once
   * (429 with Retry-After beyond), with adaptive concurrency on and then off: the 429s each way,
   * their ratio, and the wall time. Not scaled: the figure is about this one case.
   */
  void rateLimit() throws Exception {
    int tasks = 50;
    long[] on = rateLimitRun(tasks, true);
    long[] off = rateLimitRun(tasks, false);
    line(
        "ratelimit: 429s, 50 tasks on one key, provider 5 concurrent, adaptive on / off",
        String.format(
            "%d / %d = %.1fx fewer with it on (goal >= 5x); wall %.1f s / %.1f s; model calls %d /"
                + " %d",
            on[0],
            off[0],
            on[0] == 0 ? Double.POSITIVE_INFINITY : off[0] / (double) on[0],
            on[1] / 1e3,
            off[1] / 1e3,
            on[2],
            off[2]));
  }

  /** 429s, wall ms (first call to last Succeeded) and model calls of one rate-limit run. */
  private long[] rateLimitRun(int tasks, boolean adaptive) throws Exception {
    String mode = adaptive ? "on" : "off";
    try (LlmSimulator sim =
            LlmSimulator.builder()
                .port(0)
                .latency(Duration.ofMillis(200))
                .limitConcurrent(5)
                .build()
                .start();
        BenchTasks ns = new BenchTasks(client, "bench-ratelimit-" + mode)) {
      ns.createAll("r", tasks, name -> ns.llmTask(name, 1, sim.baseUrl()), t -> t);
      BenchTasks.Finishes finishes = ns.watchFinishes();
      try (OperatorProcess op =
          launch("ratelimit-" + mode, ns.namespace, "--adaptive-concurrency=" + adaptive)) {
        long first = firstRequest(sim, op);
        Timeline timeline = Timeline.start(first, sim, finishes);
        long end = finishes.await(tasks, LONG);
        timeline.stop();
        // Tasks that spent their retry budget on 429s (Failed) are part of the figure, not an
        // error.
        if (end < 0) {
          throw new IllegalStateException(
              finishes.count()
                  + " of "
                  + tasks
                  + " tasks finished ("
                  + finishes.failed()
                  + " Failed) in "
                  + LONG
                  + "; see "
                  + op.log);
        }
        long limited = sim.requests().stream().filter(r -> r.status() == 429).count();
        line(
            "ratelimit " + mode + ": tasks Failed (retry budget spent on 429s)",
            "" + finishes.failed());
        return new long[] {limited, (end - first) / 1_000_000, sim.requests().size()};
      } finally {
        finishes.stop();
      }
    }
  }

  /** System.nanoTime of the simulator's first request, polled every 2 ms. */
  private static long firstRequest(LlmSimulator sim, OperatorProcess op) throws Exception {
    long deadline = System.nanoTime() + LONG.toNanos();
    while (sim.requests().isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no model call in " + LONG + "; see " + op.log);
      }
      Thread.sleep(2);
    }
    return System.nanoTime();
  }

  /**
   * An operator on an empty namespace: start to /readyz, then RSS after 5 idle seconds; three
   * starts, the median of each figure (one start is at the mercy of the other processes on the
   * machine).
   */
  void start() throws Exception {
    List<Double> readies = new ArrayList<>();
    List<Double> rss = new ArrayList<>();
    List<Double> heap = new ArrayList<>();
    boolean mapped = true;
    try (BenchTasks ns = new BenchTasks(client, "bench-start")) {
      for (int i = 0; i < 3; i++) {
        try (OperatorProcess op = launch("start", ns.namespace)) {
          readies.add(op.awaitReady(Duration.ofMinutes(2)).toNanos() / 1e9);
          mapped &= op.archiveMapped();
          Thread.sleep(5000);
          rss.add(op.rssMiB());
          heap.add(op.heapUsedMiB());
        }
      }
    }
    String jvm = jvm(mapped);
    line(
        "operator start to /readyz (no tasks, median of 3)",
        String.format(
            "%.2f s (goal <= 1.5 s; all: %s; %s)", median(readies), seconds(readies), jvm));
    line(
        "operator idle RSS (5 s after ready, no tasks, median of 3)",
        String.format(
            "%.0f MiB (goal <= 150 MiB; heap in use %.0f MiB; %s)",
            median(rss), median(heap), jvm));
  }

  /** The JVM a figure was measured on, and whether it really had the AppCDS archive. */
  private static String jvm(boolean archiveMapped) {
    String how = OperatorProcess.describe();
    if (how.contains("AppCDS target/steadfast.jsa") && !archiveMapped) {
      how +=
          " BUT the JVM did not map the archive (it does not match the jar or this JVM: rebuild"
              + " with "
              + OperatorProcess.BUILD
              + ")";
    }
    return "JVM: " + how;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  private static String seconds(List<Double> values) {
    return String.join(", ", values.stream().map(v -> String.format("%.2f s", v)).toList());
  }

  /**
   * 10,000 Succeeded tasks: one run for real, the others created with a copy of its status (the
   * operator would take minutes to run them all). Then a start and a restart on them.
   */
  void atRest() throws Exception {
    int tasks = scaled(10_000);
    try (LlmSimulator sim = simulator(0);
        BenchTasks ns = new BenchTasks(client, "bench-rest")) {
      GenericKubernetesResource first;
      try (OperatorProcess op = launch("rest-template", ns.namespace)) {
        op.awaitReady(Duration.ofMinutes(2));
        ns.tasks()
            .inNamespace(ns.namespace)
            .resource(ns.llmTask("first", 1, sim.baseUrl()))
            .create();
        first =
            ns.tasks()
                .inNamespace(ns.namespace)
                .withName("first")
                .waitUntilCondition(BenchTasks::finished, 2, TimeUnit.MINUTES);
      }
      Map<String, Object> finished = BenchTasks.status(first);
      long t0 = System.nanoTime();
      ns.createAll(
          "done",
          tasks - 1,
          name -> {
            // the same spec (so the checkpoint's spec hash holds) and what the operator put on
            // the task it ran (finalizers, none since the operator adds none; labels): a task it
            // finished itself, under another name
            GenericKubernetesResource task = ns.llmTask("first", 1, sim.baseUrl());
            task.getMetadata().setName(name);
            task.getMetadata().setFinalizers(first.getMetadata().getFinalizers());
            task.getMetadata().setLabels(first.getMetadata().getLabels());
            return task;
          },
          created -> {
            created.getAdditionalProperties().put("status", finished);
            return ns.tasks().inNamespace(ns.namespace).resource(created).updateStatus();
          });
      progress(
          String.format(
              "%d Succeeded tasks written in %.1f s", tasks, (System.nanoTime() - t0) / 1e9));
      int callsBefore = sim.requests().size();
      Duration settle = Duration.ofMillis(Math.max(5000, Math.round(15_000 * scale)));
      String jvm;
      ApiRequestCounts before = ApiRequestCounts.scrape(client);
      try (OperatorProcess op = launch("rest", ns.namespace)) {
        Duration ready = op.awaitReady(LONG);
        Duration reconciled = awaitReconciled(op, tasks);
        jvm = jvm(op.archiveMapped());
        line(
            String.format("operator start to /readyz (%d tasks at rest)", tasks),
            String.format(
                "%s (all %d reconciled %s after the start; %s)",
                millis(ready), tasks, millis(reconciled), jvm));
        Thread.sleep(settle.toMillis());
        double rss = op.rssMiB();
        double heap = op.heapUsedMiB();
        double live = op.liveHeapMiB();
        line(
            String.format("%d tasks at rest: RSS / heap in use / live heap", tasks),
            String.format(
                "%.0f MiB / %.0f MiB / %.0f MiB (%.0f s after ready; live = after a full GC; %s)",
                rss, heap, live, settle.toMillis() / 1000.0, jvm));
      }
      ApiRequestCounts used = ApiRequestCounts.scrape(client).since(before);
      line(
          String.format("%d tasks at rest: API requests of the start", tasks),
          String.format(
              "%.0f, %.0f of them status writes (want 0); %d model calls (want 0): %s",
              used.total(), used.statusWrites(), sim.requests().size() - callsBefore, used.per(1)));
      before = ApiRequestCounts.scrape(client);
      try (OperatorProcess op = launch("rest-restart", ns.namespace)) {
        Duration ready = op.awaitReady(LONG);
        Duration reconciled = awaitReconciled(op, tasks);
        line(
            String.format("operator restart to /readyz (%d tasks at rest)", tasks),
            String.format(
                "%s (all %d reconciled %s after the start; %s)",
                millis(ready), tasks, millis(reconciled), jvm));
      }
      used = ApiRequestCounts.scrape(client).since(before);
      line(
          String.format("%d tasks at rest: status writes of the restart", tasks),
          String.format(
              "%.0f (want 0; %.0f API requests in all)", used.statusWrites(), used.total()));
    }
  }

  /**
   * Time from the launch until the operator has reconciled {@code tasks} tasks (its
   * steadfast_reconciles_total), polled every 50 ms.
   */
  private static Duration awaitReconciled(OperatorProcess op, int tasks) throws Exception {
    long deadline = System.nanoTime() + LONG.toNanos();
    while (op.metric("steadfast_reconciles_total") < tasks) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not all tasks reconciled in " + LONG + "; see " + op.log);
      }
      Thread.sleep(50);
    }
    return op.sinceLaunch();
  }

  /**
   * 500 tasks × 5 steps in flight, SIGKILL; which answers had the checkpoint missed, and what the
   * restarted operator paid again.
   */
  void kill() throws Exception {
    int tasks = scaled(500);
    int units = tasks * 5;
    int latencyMs = 50;
    try (LlmSimulator sim = simulator(latencyMs);
        BenchTasks ns = new BenchTasks(client, "bench-kill")) {
      BenchTasks.Finishes finishes = ns.watchFinishes();
      try {
        List<RecordedRequest> answered;
        int unfinishedAtKill;
        int arrivedByKill;
        try (OperatorProcess op = launch("kill", ns.namespace)) {
          op.awaitReady(Duration.ofMinutes(2));
          ns.createAll("k", tasks, name -> ns.llmTask(name, 5, sim.baseUrl()), t -> t);
          long deadline = System.nanoTime() + LONG.toNanos();
          // a fifth of the calls made: every task started, most in flight
          while (sim.requests().size() < units / 5) {
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException("too few model calls; see " + op.log);
            }
            Thread.sleep(20);
          }
          // logged on arrival, answered `latency` later: after this sleep every one of them was
          // answered more than a second before the kill
          answered = sim.requests().stream().filter(r -> r.status() == 200).toList();
          Thread.sleep(1000 + latencyMs);
          unfinishedAtKill = tasks - finishes.count();
          op.kill();
          Thread.sleep(500); // calls cut off by the kill are logged on arrival; let them land
          arrivedByKill = sim.requests().size();
        }
        Map<String, GenericKubernetesResource> byUid = new HashMap<>();
        for (GenericKubernetesResource t : ns.list()) {
          byUid.put(t.getMetadata().getUid(), t);
        }
        long lost = answered.stream().filter(r -> !checkpointed(byUid, r.idempotencyKey())).count();
        line(
            String.format(
                "SIGKILL with %d of %d tasks unfinished: answered but not checkpointed",
                unfinishedAtKill, tasks),
            String.format(
                "%d of %d calls answered more than 1 s before the kill", lost, answered.size()));
        try (OperatorProcess op = launch("kill-restart", ns.namespace)) {
          Duration ready = op.awaitReady(Duration.ofMinutes(2));
          long end = finishes.await(tasks, LONG);
          if (end < 0) {
            throw new IllegalStateException(
                finishes.count() + " of " + tasks + " finished after the restart; see " + op.log);
          }
          List<RecordedRequest> all = sim.requests();
          Set<String> answeredBeforeKill = new HashSet<>();
          for (RecordedRequest r : all.subList(0, arrivedByKill)) {
            if (r.status() == 200 && r.idempotencyKey() != null) {
              answeredBeforeKill.add(unit(r.idempotencyKey()));
            }
          }
          long extra =
              all.subList(arrivedByKill, all.size()).stream()
                  .filter(r -> r.idempotencyKey() != null)
                  .filter(r -> answeredBeforeKill.contains(unit(r.idempotencyKey())))
                  .count();
          IdempotencyAudit audit = new IdempotencyAudit(all);
          line(
              "after the restart: extra model calls paid",
              String.format(
                  "%d (%.1f%% of %d steps; %d calls in all; restart to /readyz %s; finished steps"
                      + " re-run with a new key: %d; %d tasks Failed)",
                  extra,
                  100.0 * extra / units,
                  units,
                  all.size(),
                  millis(ready),
                  audit.reRun.size(),
                  finishes.failed()));
        }
      } finally {
        finishes.stop();
      }
    }
  }

  /** {@code <task uid>/<step>/<item or ->}: the unit an Idempotency-Key belongs to. */
  static String unit(String key) {
    return key.substring(0, key.lastIndexOf('/'));
  }

  /**
   * Whether the task's status (its checkpoint, docs/status.md) holds the step or forEach item of
   * this Idempotency-Key ({@code <task uid>/<step>/<item or ->/<attempt>}) as Succeeded.
   */
  @SuppressWarnings("unchecked")
  static boolean checkpointed(Map<String, GenericKubernetesResource> byUid, String key) {
    String[] parts = key.split("/");
    GenericKubernetesResource task = byUid.get(parts[0]);
    if (task == null) {
      return false;
    }
    Map<String, Object> status = BenchTasks.status(task);
    if ("Succeeded".equals(status.get("phase"))) {
      return true;
    }
    for (Object s : (List<Object>) status.getOrDefault("steps", List.of())) {
      Map<String, Object> step = (Map<String, Object>) s;
      if (parts[1].equals(step.get("name")) && "Succeeded".equals(step.get("phase"))) {
        return true;
      }
    }
    Map<String, Object> checkpoint =
        (Map<String, Object>) status.getOrDefault("checkpoint", Map.of());
    for (Object s : (List<Object>) checkpoint.getOrDefault("steps", List.of())) {
      Map<String, Object> step = (Map<String, Object>) s;
      if (!parts[1].equals(step.get("name"))) {
        continue;
      }
      for (Object u : (List<Object>) step.getOrDefault("units", List.of())) {
        Map<String, Object> unit = (Map<String, Object>) u;
        Object index = unit.get("index");
        String item = index == null ? "-" : String.valueOf(index);
        if (item.equals(parts[2]) && "Succeeded".equals(unit.get("phase"))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The API server's counters once the operator's event writes have stopped: no event request for
   * {@code quiet} (longer than the operator's batching window and the time it may hold a step's
   * start back), waiting at most {@code bound}.
   */
  private ApiRequestCounts afterEventsDrain(Duration quiet, Duration bound) throws Exception {
    long deadline = System.nanoTime() + bound.toNanos();
    ApiRequestCounts last = ApiRequestCounts.scrape(client);
    long quietSince = System.nanoTime();
    while (System.nanoTime() - quietSince < quiet.toNanos()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("event requests still growing after " + bound);
      }
      Thread.sleep(500);
      ApiRequestCounts now = ApiRequestCounts.scrape(client);
      if (now.events() != last.events()) {
        quietSince = System.nanoTime();
      }
      last = now;
    }
    progress(
        String.format("event requests quiet for %.0f s", (System.nanoTime() - quietSince) / 1e9));
    return last;
  }

  /** "StepSucceeded 1.00 (1.00), Succeeded 0.20 (0.20), ..." per step, from the Events written. */
  private String eventsByReason(BenchTasks ns, int steps) {
    Map<String, int[]> byReason = new TreeMap<>();
    for (Event e : client.v1().events().inNamespace(ns.namespace).list().getItems()) {
      int[] n = byReason.computeIfAbsent(e.getReason(), r -> new int[2]);
      n[0]++;
      n[1] += e.getCount() == null ? 1 : e.getCount();
    }
    StringBuilder out = new StringBuilder();
    int objects = 0;
    for (Map.Entry<String, int[]> r : byReason.entrySet()) {
      objects += r.getValue()[0];
      out.append(out.length() == 0 ? "" : ", ")
          .append(
              String.format(
                  "%s %.2f (%.2f)",
                  r.getKey(), r.getValue()[0] / (double) steps, r.getValue()[1] / (double) steps));
    }
    return String.format("%.2f: %s", objects / (double) steps, out.length() == 0 ? "none" : out);
  }

  /**
   * Nothing folded away is lost: each step's start is its own StepStarted or a note in a later
   * event of the step, and each step's success is its own StepSucceeded or a part of one, or a part
   * of the task's Succeeded (its message, then the parts it took in). Every event's message is
   * read, whatever its reason.
   */
  private String eventsShowSteps(BenchTasks ns, int steps) {
    String part = "(?:^|" + Pattern.quote(EventRecorder.FOLDED) + ")(s[0-9]+): ";
    Pattern success = Pattern.compile(part + "succeeded");
    Pattern startNote = Pattern.compile(part + "[^;]*\\(llm, started ");
    Set<String> started = new HashSet<>();
    Set<String> succeeded = new HashSet<>();
    for (Event e : client.v1().events().inNamespace(ns.namespace).list().getItems()) {
      String task = e.getInvolvedObject().getName() + "/";
      String message = String.valueOf(e.getMessage());
      if ("StepStarted".equals(e.getReason())) {
        started.add(task + message.substring(0, Math.max(0, message.indexOf(':'))));
      }
      Matcher m = startNote.matcher(message);
      while (m.find()) {
        started.add(task + m.group(1));
      }
      m = success.matcher(message);
      while (m.find()) {
        succeeded.add(task + m.group(1));
      }
    }
    int shown = 0;
    for (GenericKubernetesResource task : ns.list()) {
      for (int i = 1; i <= 5; i++) {
        String id = task.getMetadata().getName() + "/s" + i;
        if ((!started.contains(id) || !succeeded.contains(id)) && shown++ < 3) {
          progress(
              id
                  + " not shown (start "
                  + started.contains(id)
                  + ", success "
                  + succeeded.contains(id)
                  + "); its events: "
                  + client.v1().events().inNamespace(ns.namespace).list().getItems().stream()
                      .filter(
                          e -> e.getInvolvedObject().getName().equals(task.getMetadata().getName()))
                      .map(e -> e.getReason() + "x" + e.getCount() + " " + e.getMessage())
                      .toList());
        }
      }
    }
    return String.format("%d / %d of %d", started.size(), succeeded.size(), steps);
  }

  /** How long the steps ran as their status says: whether holding a step's start back matters. */
  @SuppressWarnings("unchecked")
  private static String stepDurations(BenchTasks ns) {
    List<Double> seconds = new ArrayList<>();
    for (GenericKubernetesResource task : ns.list()) {
      Object steps = BenchTasks.status(task).get("steps");
      if (!(steps instanceof List<?> list)) {
        continue;
      }
      for (Object o : list) {
        Map<String, Object> step = (Map<String, Object>) o;
        Object from = step.get("startedAt");
        Object to = step.get("completedAt");
        if (from != null && to != null) {
          seconds.add(
              Duration.between(Instant.parse(from.toString()), Instant.parse(to.toString()))
                      .toNanos()
                  / 1e9);
        }
      }
    }
    if (seconds.isEmpty()) {
      return "n/a";
    }
    seconds.sort(null);
    return String.format(
        "%.2f s, %.2f s, %.2f s",
        seconds.get(seconds.size() / 2),
        seconds.get((int) Math.min(seconds.size() - 1, Math.round(seconds.size() * 0.9))),
        seconds.get(seconds.size() - 1));
  }

  private OperatorProcess launch(String name, String namespace, String... flags)
      throws IOException {
    Path log = LOGS.resolve("operator-" + name + ".log");
    Files.deleteIfExists(log);
    // -Dbench.operator.flags="--adaptive-concurrency=false ...": further flags for every operator
    String extra = System.getProperty("bench.operator.flags", "").trim();
    List<String> all = new ArrayList<>(Arrays.asList(flags));
    if (!extra.isEmpty()) {
      all.addAll(Arrays.asList(extra.split("\\s+")));
    }
    return OperatorProcess.launch(server.kubeconfig(), namespace, log, all.toArray(String[]::new));
  }

  private static LlmSimulator simulator(int latencyMs) {
    return LlmSimulator.builder().port(0).latency(Duration.ofMillis(latencyMs)).build().start();
  }

  private static String millis(Duration d) {
    return String.format("%.2f s", d.toNanos() / 1e9);
  }

  static void line(String label, String value) {
    System.out.printf("%-72s %s%n", label, value);
    System.out.flush();
  }

  static void progress(String message) {
    System.err.println("[bench] " + message);
  }

  private static String machine() throws IOException {
    long memKb = 0;
    for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (l.startsWith("MemTotal:")) {
        memKb = Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    return String.format(
        "%d cores, %.1f GiB RAM, Java %s, load average %s",
        Runtime.getRuntime().availableProcessors(),
        memKb / 1024.0 / 1024.0,
        System.getProperty("java.version"),
        loadAverage());
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }
}
