package dev.steadfast.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.Json;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.IdempotencyAudit;
import dev.steadfast.simulator.LlmSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills `steadfast run` with SIGKILL at random moments, over and over, then lets it finish. The
 * simulator's request log shows that no finished step or item was executed again (every unit has
 * exactly one Idempotency-Key that got a 200), and the output matches an uninterrupted run.
 */
class CrashResumeIT {
  static final int KILLS = 20;
  static final int ITEMS = 16;
  @TempDir Path dir;

  static String task(String base) {
    return task(base, ITEMS);
  }

  static String task(String base, int items) {
    return ("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: crashy}\nspec:\n"
            + "  policy:\n    timeout: 5s\n    retry:\n      maxAttempts: 0\n      backoff: {initialDelay: 200ms, maxDelay: 1s}\n"
            + "    loopDetection: {maxIdenticalFailures: 50}\n  maxTotalAttempts: 500\n"
            + "  steps:\n"
            + "    - name: fetch\n      http: {url: 'SIM/items?count=ITEMS', output: {select: 'response.body.items'}}\n"
            + "    - name: each\n      forEach: {items: 'steps.fetch.output', concurrency: 2}\n"
            + "      llm: {endpoint: 'SIM/v1', model: worker, messages: [{role: user, content: 'Describe {{ item.title }}'}]}\n"
            + "    - name: summary\n      llm: {endpoint: 'SIM/v1', model: writer, messages: [{role: user, content: 'Summarise {{ steps.each.output }}'}]}\n")
        .replace("SIM", base)
        .replace("ITEMS", Integer.toString(items));
  }

  @Test
  void killedAtRandomPointsAndResumedNeverRedoesFinishedWork() throws Exception {
    try (LlmSimulator sim =
        LlmSimulator.builder()
            .port(0)
            .latency(Duration.ofMillis(250))
            .faults(FaultPlan.parse("500:0.15"))
            .build()
            .start()) {
      Path file = dir.resolve("task.yaml");
      Files.writeString(file, task(sim.baseUrl()));
      Path state = dir.resolve("state");
      Path statusOut = dir.resolve("status.yaml");
      Random random = new Random(20261128);
      int kills = 0;
      boolean finished = false;
      while (kills < KILLS && !finished) {
        Process p =
            CliProcess.builder(
                    dir, "run", file.toString(), "--state-dir", state.toString(), "--quiet")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        // A random moment tied to the task's progress rather than to the clock, so a machine
        // that starts a JVM fast still cuts the task many times: wait for 0-2 new requests
        // (0 = during start-up), then up to 300 ms more (mid-request, mid-backoff or while
        // checkpointing).
        int target = sim.requests().size() + random.nextInt(3);
        long pause = random.nextInt(300);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (p.isAlive() && sim.requests().size() < target && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        finished = p.waitFor(pause, TimeUnit.MILLISECONDS);
        if (!finished) {
          p.destroyForcibly().waitFor();
          kills++;
        }
      }
      CliProcess.Result last =
          CliProcess.run(
              dir,
              "run",
              file.toString(),
              "--state-dir",
              state.toString(),
              "--status-out",
              statusOut.toString());
      assertThat(last.exit()).as(last.all()).isZero();
      // Each run is cut within a few requests of its start, so 18 units cannot all finish first.
      assertThat(kills).as("the task must be cut %d times before it ends", KILLS).isEqualTo(KILLS);

      // A success the killed process never checkpointed is re-sent with its key; the simulator
      // does not replay answers by key, so that re-send may meet a fault and be followed by a new
      // attempt. What must never happen is a new attempt right after a success the runner knew.
      IdempotencyAudit audit = new IdempotencyAudit(sim.requests());
      assertThat(audit.reRun).as("units run again after a success").isEmpty();
      assertThat(audit.succeeded).hasSize(1 + ITEMS + 1);

      JsonNode status = last.status();
      assertThat(status.path("phase").asText()).isEqualTo("Succeeded");
      JsonNode each = status.path("steps").get(1).path("output");
      assertThat(each).hasSize(ITEMS);
      each.forEach(o -> assertThat(o.isTextual()).isTrue());

      // The same task uninterrupted, on a fault-free simulator, gives the same outputs.
      try (LlmSimulator clean = LlmSimulator.builder().port(0).build().start()) {
        Path file2 = dir.resolve("clean.yaml");
        Files.writeString(file2, task(clean.baseUrl()));
        CliProcess.Result ref =
            CliProcess.run(
                dir,
                "run",
                file2.toString(),
                "--state-dir",
                dir.resolve("state2").toString(),
                "--status-out",
                dir.resolve("status.yaml").toString());
        assertThat(ref.exit()).isZero();
        assertThat(Json.tree(ref.status().path("steps").get(1).path("output"))).isEqualTo(each);
      }
    }
  }
}
