package dev.steadfast.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.engine.ItemLimit;
import dev.steadfast.engine.ResponseCache;
import dev.steadfast.engine.TaskEngine;
import dev.steadfast.engine.TaskRef;
import dev.steadfast.engine.breaker.BreakerStore;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.policy.EffectivePolicy;
import dev.steadfast.simulator.FaultKind;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos suite (issue 12): every fault kind of the simulator, {@link #RUNS} seeded runs each,
 * through the engine in-process with the real http/llm executors against an {@link LlmSimulator} on
 * loopback; the cases and what each must end as are {@link ChaosCases}.
 *
 * <p>The faults come from the simulator's own seeded fault plan (not the chaos annotation). A
 * failing run prints its seed; {@code -Dchaos.kind=429 -Dchaos.seed=N} replays it.
 */
class ChaosSuiteIT {
  static final int RUNS = Integer.getInteger("chaos.runs", 100);

  @TempDir Path dir;

  record Result(boolean passed, String why, int injected) {}

  /** The executors are shared by all runs, as one `steadfast run` shares them by all its steps. */
  private final Executor executor = LocalSession.executors(Clock.systemUTC(), null);

  Result runOnce(FaultKind kind, long seed) {
    try (LlmSimulator sim = ChaosCases.simulator(kind, seed)) {
      AgentTask t =
          Json.YAML.readValue(ChaosCases.task(sim.baseUrl(), kind, seed), AgentTask.class);
      TaskRef ref = new TaskRef("chaos", "default", "uid-" + seed, 1L, t.getSpec(), Map.of());
      Clock clock = Clock.systemUTC();
      TaskEngine engine =
          new TaskEngine(
              clock,
              new Breakers(clock, BreakerStore.NONE),
              ResponseCache.inMemory(ResponseCache.DEFAULT_BYTES),
              new Random(seed),
              EffectivePolicy.defaults(),
              ItemLimit.DEFAULT);
      FileCheckpointStore store = new FileCheckpointStore(dir.resolve(kind.id() + "-" + seed));
      Progress quiet = new Progress(new PrintStream(OutputStream.nullOutputStream()), true, clock);
      AgentTaskStatus status = new LocalRunner(engine, executor, store, quiet).run(ref);
      List<RecordedRequest> requests = sim.requests();
      int injected = ChaosCases.injected(kind, requests);
      String why = ChaosCases.verdict(status, kind, seed, requests);
      return new Result(why == null, why, injected);
    } catch (Exception e) {
      return new Result(false, "crashed: " + e, 0);
    }
  }

  @Test
  void everyFaultKindHealsOrStopsAsTheTaxonomySays() throws Exception {
    String onlyKind = System.getProperty("chaos.kind");
    Long onlySeed = Long.getLong("chaos.seed");
    List<String> failures = new ArrayList<>();
    long suiteStart = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (FaultKind kind : FaultKind.values()) {
        if (onlyKind != null && !onlyKind.equals(kind.id())) {
          continue;
        }
        long start = System.nanoTime();
        List<Long> seeds = new ArrayList<>();
        if (onlySeed != null) {
          seeds.add(onlySeed);
        } else {
          for (long s = 1; s <= RUNS; s++) {
            seeds.add(s);
          }
        }
        List<Future<Result>> futures = new ArrayList<>();
        for (long seed : seeds) {
          futures.add(pool.submit(() -> runOnce(kind, seed)));
        }
        int passed = 0;
        int failed = 0;
        int injected = 0;
        String firstFailure = null;
        for (int i = 0; i < futures.size(); i++) {
          Result r = futures.get(i).get();
          injected += r.injected();
          if (r.passed()) {
            passed++;
          } else {
            failed++;
            String line =
                "chaos: "
                    + kind.id()
                    + ": seed "
                    + seeds.get(i)
                    + " failed: "
                    + r.why()
                    + " (replay: -Dchaos.kind="
                    + kind.id()
                    + " -Dchaos.seed="
                    + seeds.get(i)
                    + ")";
            if (firstFailure == null) {
              firstFailure = line;
            }
            failures.add(line);
          }
        }
        System.out.printf(
            "chaos: %s: %d passed, %d failed (%s, %d faults injected, %.1f s)%n",
            kind.id(),
            passed,
            failed,
            ChaosCases.expectation(kind),
            injected,
            (System.nanoTime() - start) / 1e9);
        if (firstFailure != null) {
          System.out.println(firstFailure);
        }
        // A suite that injected nothing would prove nothing.
        if (injected == 0) {
          failures.add("chaos: " + kind.id() + ": no fault was injected");
        }
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf("chaos: engine suite took %.1f s%n", (System.nanoTime() - suiteStart) / 1e9);
    assertThat(failures).isEmpty();
  }
}
