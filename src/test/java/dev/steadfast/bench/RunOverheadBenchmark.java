package dev.steadfast.bench;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.ResponseCache;
import dev.steadfast.engine.TaskEngine;
import dev.steadfast.engine.TaskRef;
import dev.steadfast.engine.breaker.BreakerStore;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.policy.EffectivePolicy;
import dev.steadfast.local.FileCheckpointStore;
import dev.steadfast.local.LocalRunner;
import dev.steadfast.local.LocalSession;
import dev.steadfast.local.Progress;
import dev.steadfast.simulator.LlmSimulator;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * How much time `steadfast run` spends of its own between the end of one attempt and the start of
 * the next when no wait is due: engine decision, checkpoint write (with fsync) and scheduling. Runs
 * a 300-item forEach (concurrency 1) against the simulator and prints the gaps.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:java@bench}
 */
public final class RunOverheadBenchmark {
  public static void main(String[] args) throws Exception {
    int items = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    try (LlmSimulator sim = LlmSimulator.builder().port(0).build().start()) {
      String yaml =
          "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: bench}\nspec:\n"
              + "  maxTotalAttempts: 100000\n  inputs: {n: "
              + items
              + "}\n  steps:\n"
              + "    - name: each\n      forEach: {items: 'inputs.n == 0 ? [] : [0].map(x, x)', concurrency: 1}\n"
              + "      llm: {endpoint: '"
              + sim.baseUrl()
              + "/v1', model: m, messages: [{role: user, content: 'item {{ index }}'}]}\n";
      yaml = yaml.replace("'inputs.n == 0 ? [] : [0].map(x, x)'", "\"" + listOf(items) + "\"");
      AgentTask task = Json.YAML.readValue(yaml, AgentTask.class);
      TaskRef ref = new TaskRef("bench", "default", null, 1L, task.getSpec(), Map.of());
      Path state = Files.createTempDirectory("steadfast-bench");
      Clock clock = Clock.systemUTC();
      List<long[]> spans = Collections.synchronizedList(new ArrayList<>());
      Executor real = LocalSession.executors(clock, null);
      Executor timed =
          request -> {
            long start = System.nanoTime();
            Outcome o = real.execute(request);
            spans.add(new long[] {start, System.nanoTime()});
            return o;
          };
      TaskEngine engine =
          new TaskEngine(
              clock,
              new Breakers(clock, BreakerStore.NONE),
              ResponseCache.inMemory(ResponseCache.DEFAULT_BYTES),
              new SplittableRandom(1),
              EffectivePolicy.defaults());
      PrintStream silent = new PrintStream(OutputStream.nullOutputStream());
      long t0 = System.nanoTime();
      new LocalRunner(
              engine,
              timed,
              new FileCheckpointStore(state.resolve("bench")),
              new Progress(silent, true, clock))
          .run(ref);
      long total = System.nanoTime() - t0;
      List<Double> gaps = new ArrayList<>();
      for (int i = 1; i < spans.size(); i++) {
        gaps.add((spans.get(i)[0] - spans.get(i - 1)[1]) / 1e6);
      }
      Collections.sort(gaps);
      double inCalls = spans.stream().mapToLong(s -> s[1] - s[0]).sum() / 1e6;
      System.out.printf(
          "attempts: %d, wall: %.0f ms, inside calls: %.0f ms%n",
          spans.size(), total / 1e6, inCalls);
      System.out.printf(
          "gap between attempts (ms): min %.2f  median %.2f  p90 %.2f  p99 %.2f  max %.2f%n",
          gaps.get(0),
          gaps.get(gaps.size() / 2),
          gaps.get((int) (gaps.size() * 0.9)),
          gaps.get((int) (gaps.size() * 0.99)),
          gaps.get(gaps.size() - 1));
    }
  }

  private static String listOf(int n) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ",").append(i);
    }
    return sb.append("]").toString();
  }
}
