package dev.steadfast.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.IdempotencyAudit;
import dev.steadfast.simulator.LlmSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kill suite for `steadfast run` (issue 12): SIGKILLs the runner at random moments until {@link
 * #KILLS} kills have happened, over as many tasks as that takes (a fast machine finishes a task
 * between kills more often, so it simply gets more tasks: the count never depends on machine
 * speed). Each task is then run to the end. The simulator's request log proves that no finished
 * step or forEach item ran again (each unit got exactly one successful Idempotency-Key), that a
 * re-sent attempt reused its key (a new key for the same attempt would be a second success), and
 * that every task Succeeded.
 */
class RunKillSuiteIT {
  static final int KILLS = Integer.getInteger("kills.run", 50);

  /** Kills of one task before it may finish; several tasks share the kills. */
  static final int KILLS_PER_TASK = 12;

  static final int ITEMS = 6;
  @TempDir Path dir;

  static String task(String name, String base) {
    return CrashResumeIT.task(base, ITEMS).replace("name: crashy", "name: " + name);
  }

  @Test
  void fiftySigkillsLoseAndRepeatNothing() throws Exception {
    long start = System.nanoTime();
    try (LlmSimulator sim =
        LlmSimulator.builder()
            .port(0)
            .seed(20261130)
            .latency(Duration.ofMillis(200))
            .faults(FaultPlan.parse("500:0.15"))
            .build()
            .start()) {
      Random random = new Random(20261130);
      int kills = 0;
      List<String> tasks = new ArrayList<>();
      List<JsonNode> statuses = new ArrayList<>();
      while (kills < KILLS) {
        assertThat(tasks).as("tasks needed for %d kills", KILLS).hasSizeLessThan(40);
        String name = "kill-" + tasks.size();
        tasks.add(name);
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, task(name, sim.baseUrl()));
        Path state = dir.resolve("state-" + name);
        int killsOfTask = 0;
        boolean finished = false;
        while (kills < KILLS && killsOfTask < KILLS_PER_TASK && !finished) {
          Process p =
              CliProcess.builder(
                      dir, "run", file.toString(), "--state-dir", state.toString(), "--quiet")
                  .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                  .redirectError(ProcessBuilder.Redirect.DISCARD)
                  .start();
          // a random moment: during start-up, mid-request, mid-backoff or while checkpointing
          finished = p.waitFor(300 + random.nextInt(1700), TimeUnit.MILLISECONDS);
          if (!finished) {
            p.destroyForcibly().waitFor(); // SIGKILL on Linux
            kills++;
            killsOfTask++;
          }
        }
        Path statusOut = dir.resolve("status.yaml");
        Files.deleteIfExists(statusOut);
        CliProcess.Result last =
            CliProcess.run(
                dir,
                "run",
                file.toString(),
                "--state-dir",
                state.toString(),
                "--status-out",
                statusOut.toString());
        assertThat(last.exit()).as("%s: %s", name, last.all()).isZero();
        statuses.add(last.status());
      }

      IdempotencyAudit audit = new IdempotencyAudit(sim.requests());
      audit.reRun.forEach(u -> System.out.println("re-run: " + u));
      long succeeded =
          statuses.stream().filter(s -> "Succeeded".equals(s.path("phase").asText())).count();
      System.out.printf(
          "kill suite (run): %d SIGKILLs over %d tasks, %d units, %d finished units re-run,"
              + " %d requests re-sent with their original Idempotency-Key, %d of %d tasks"
              + " Succeeded (%d lost), %.1f s%n",
          kills,
          tasks.size(),
          audit.succeeded.size(),
          audit.reRun.size(),
          audit.resent,
          succeeded,
          tasks.size(),
          tasks.size() - succeeded,
          (System.nanoTime() - start) / 1e9);

      assertThat(kills).isGreaterThanOrEqualTo(KILLS);
      assertThat(audit.succeeded).hasSize(tasks.size() * (1 + ITEMS + 1));
      assertThat(audit.reRun).as("finished units run again").isEmpty();
      for (JsonNode status : statuses) {
        assertThat(status.path("phase").asText()).isEqualTo("Succeeded");
        assertThat(status.path("steps").get(1).path("output")).hasSize(ITEMS);
      }
    }
  }
}
