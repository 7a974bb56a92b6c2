package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
import dev.steadfast.local.ChaosCases;
import dev.steadfast.operator.OperatorHarness;
import dev.steadfast.operator.SteadfastOperator;
import dev.steadfast.simulator.FaultKind;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator half of the chaos suite (issue 12): every fault kind of the simulator, {@link #RUNS}
 * seeded runs each, as AgentTasks reconciled by the operator on a real API server. The cases and
 * what each must end as are the engine suite's ({@link ChaosCases}): Transient and Recoverable
 * kinds end Succeeded, Fatal kinds end Failed with Stalled True and their reason after exactly one
 * attempt (the run's own simulator got no request after the fatal one). All runs are in flight at
 * once, each with its own simulator (so a Fatal run's request count is its own, and each has its
 * own breaker, keyed by the simulator's port), and the operator must still be running and healthy
 * at the end.
 *
 * <p>A failing run prints its seed; {@code -Dit.test=OperatorChaosSuiteIT -Dchaos.kind=429
 * -Dchaos.seed=N} replays it.
 */
@RealApiServer
class OperatorChaosSuiteIT {
  static final String NS = "chaos-e2e";
  static final int RUNS = Integer.getInteger("chaos.operator.runs", 10);

  static KubernetesClient client;
  static SteadfastOperator operator;
  static final Map<String, LlmSimulator> sims = new LinkedHashMap<>();

  record Run(FaultKind kind, long seed) {
    String name() {
      return "chaos-" + kind.id() + "-" + seed;
    }
  }

  @BeforeAll
  static void start(KubeApiServer apiServer) {
    client = apiServer.client();
    apiServer.namespace(NS);
    apiServer.installCrd();
    OperatorHarness.boundSecret(client, NS, "llm-credentials", "api-key", "sk-chaos");
    operator =
        OperatorHarness.start(
            client,
            c ->
                c.namespaces(NS)
                    .maxConcurrentSteps(16)
                    .operatorNamespace(NS)
                    .identity("chaos-suite"));
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    sims.values().forEach(LlmSimulator::stop);
  }

  static List<Run> runs() {
    String onlyKind = System.getProperty("chaos.kind");
    Long onlySeed = Long.getLong("chaos.seed");
    List<Run> runs = new ArrayList<>();
    for (FaultKind kind : FaultKind.values()) {
      if (onlyKind != null && !onlyKind.equals(kind.id())) {
        continue;
      }
      if (onlySeed != null) {
        runs.add(new Run(kind, onlySeed));
        continue;
      }
      for (long seed = 1; seed <= RUNS; seed++) {
        runs.add(new Run(kind, seed));
      }
    }
    return runs;
  }

  static Map<String, AgentTask> tasks() {
    return client.resources(AgentTask.class).inNamespace(NS).list().getItems().stream()
        .collect(Collectors.toMap(t -> t.getMetadata().getName(), Function.identity()));
  }

  static boolean done(AgentTask t) {
    return t != null
        && t.getStatus() != null
        && (t.getStatus().phase == TaskPhase.Succeeded || t.getStatus().phase == TaskPhase.Failed);
  }

  /** Why the run did not end as its kind must; null when it did. */
  static String verdict(Run run, AgentTask t) {
    if (!done(t)) {
      return "did not finish: "
          + (t == null ? "task gone" : t.getStatus() == null ? "no status" : t.getStatus().phase);
    }
    List<RecordedRequest> requests = sims.get(run.name()).requests();
    return ChaosCases.verdict(t.getStatus(), run.kind(), run.seed(), requests);
  }

  @Test
  void everyFaultKindHealsOrStopsAsTheTaxonomySaysOnTheOperator() throws Exception {
    long start = System.nanoTime();
    List<Run> runs = runs();
    for (Run run : runs) {
      LlmSimulator sim = ChaosCases.simulator(run.kind(), run.seed());
      sims.put(run.name(), sim);
      String metadata = "{name: " + run.name() + ", namespace: " + NS + "}";
      String yaml =
          ChaosCases.task(
              sim.baseUrl(),
              run.kind(),
              run.seed(),
              metadata,
              "{name: llm-credentials, key: api-key}");
      client.resource(Json.YAML.readValue(yaml, AgentTask.class)).create();
    }
    try {
      await()
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () ->
                  tasks().values().stream().filter(OperatorChaosSuiteIT::done).count()
                      == runs.size());
    } catch (ConditionTimeoutException e) {
      // reported per run below, as "did not finish"
    }

    Map<String, AgentTask> tasks = tasks();
    List<String> failures = new ArrayList<>();
    for (FaultKind kind : FaultKind.values()) {
      List<Run> ofKind = runs.stream().filter(r -> r.kind() == kind).toList();
      if (ofKind.isEmpty()) {
        continue;
      }
      int passed = 0;
      int failed = 0;
      int injected = 0;
      String firstFailure = null;
      for (Run run : ofKind) {
        injected += ChaosCases.injected(kind, sims.get(run.name()).requests());
        String why = verdict(run, tasks.get(run.name()));
        if (why == null) {
          passed++;
          continue;
        }
        failed++;
        String line =
            "chaos: "
                + kind.id()
                + ": seed "
                + run.seed()
                + " failed: "
                + why
                + " (replay: -Dit.test=OperatorChaosSuiteIT -Dchaos.kind="
                + kind.id()
                + " -Dchaos.seed="
                + run.seed()
                + ")";
        if (firstFailure == null) {
          firstFailure = line;
        }
        failures.add(line);
      }
      System.out.printf(
          "chaos: %s: %d passed, %d failed (operator, %s, %d faults injected)%n",
          kind.id(), passed, failed, ChaosCases.expectation(kind), injected);
      if (firstFailure != null) {
        System.out.println(firstFailure);
      }
      // A kind that injected nothing would prove nothing.
      if (injected == 0) {
        failures.add("chaos: " + kind.id() + ": no fault was injected");
      }
    }
    boolean healthy =
        operator.ready() && operator.operator().getRuntimeInfo().allEventSourcesAreHealthy();
    System.out.printf(
        "chaos: operator suite: %d runs, operator %s, %.1f s%n",
        runs.size(), healthy ? "healthy" : "NOT healthy", (System.nanoTime() - start) / 1e9);

    assertThat(healthy).as("operator running and healthy after the suite").isTrue();
    assertThat(failures).isEmpty();
  }
}
