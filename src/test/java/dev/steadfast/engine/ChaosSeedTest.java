package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.executors.ChaosExecutor;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The chaos annotation's seed makes a run reproducible, and faults fit the step kind: what a user
 * sees is the sequence of attempts and the faults recorded on them.
 */
class ChaosSeedTest {
  static final String ITEMS =
      "  inputs: {xs: [1, 2, 3, 4, 5, 6, 7, 8]}\n  steps:\n    - name: each\n"
          + "      forEach: {items: inputs.xs, concurrency: 4, toleratedFailures: '100%'}\n"
          + "      retry: {maxAttempts: 8}\n"
          // The harness's breakers keep their own clock: keep them closed, the draws are the point.
          + "      circuitBreaker: {minimumCalls: 1000, slidingWindowSize: 1000}\n";
  static final String LLM =
      "      llm: {endpoint: 'http://llm.test/v1', model: big, messages: [{role: user, content: hi}],"
          + " responseFormat: json}\n";
  static final String HTTP = "      http: {url: 'http://api.test/x'}\n";

  /** One run: each attempt as "step/item/attempt -> what happened", without the task's uid. */
  static List<String> trace(String uid, String spec, String chaos) {
    EngineHarness h = new EngineHarness();
    TaskRef base = EngineHarness.task(spec);
    TaskRef task = new TaskRef("t", "ns", uid, 1L, base.spec(), Map.of());
    Executor real = r -> new Outcome.Success(TextNode.valueOf("{\"ok\": true}"));
    Executor chaotic = ChaosExecutor.wrap(real, chaos, new SecureRandom());
    List<String> seen = new ArrayList<>();
    h.run(
        task,
        r -> {
          Outcome o = chaotic.execute(r);
          String what = o instanceof Outcome.Failed f ? f.failure().reason() : "ok";
          seen.add(r.idempotencyKey().substring(uid.length() + 1) + " -> " + what);
          return o;
        });
    return seen;
  }

  @Test
  void theSameSeedGivesTheSameFaultsInTheSameOrder() {
    String chaos =
        "{\"rate\": 0.5, \"seed\": 42, \"faults\": [\"timeout\",\"network\",\"429\",\"500\",\"context\",\"invalid-output\"]}";
    List<String> first = trace("uid-1", ITEMS + LLM, chaos);
    List<String> again = trace("uid-2", ITEMS + LLM, chaos);
    assertThat(first).filteredOn(s -> !s.endsWith("ok")).hasSizeGreaterThan(3);
    assertThat(again).isEqualTo(first);

    List<String> otherSeed =
        trace("uid-1", ITEMS + LLM, chaos.replace("\"seed\": 42", "\"seed\": 43"));
    assertThat(otherSeed).isNotEqualTo(first);
  }

  @Test
  void httpStepsNeverGetModelOnlyFaults() {
    String all = "{\"rate\": 1.0, \"seed\": 7}";
    List<String> http = trace("uid-1", ITEMS + HTTP, all);
    assertThat(http)
        .hasSizeGreaterThan(20)
        .noneMatch(s -> s.endsWith("ContextOverflow") || s.endsWith("InvalidOutput"))
        .anyMatch(s -> s.endsWith("Unauthorized"));

    // The same annotation on a model call does inject them.
    List<String> llm = trace("uid-1", ITEMS + LLM, all);
    assertThat(llm).anyMatch(s -> s.endsWith("ContextOverflow") || s.endsWith("InvalidOutput"));
  }

  @Test
  void onlyModelFaultsListedLeaveHttpStepsAlone() {
    EngineHarness h = new EngineHarness();
    AtomicInteger calls = new AtomicInteger();
    Executor real =
        r -> {
          calls.incrementAndGet();
          return new Outcome.Success(TextNode.valueOf("fine"));
        };
    Executor chaotic =
        ChaosExecutor.wrap(
            real,
            "{\"rate\": 1.0, \"seed\": 1, \"faults\": [\"context\", \"invalid-output\"]}",
            new SecureRandom());
    AgentTaskStatus s =
        h.run(EngineHarness.task("  steps:\n    - name: a\n" + HTTP), chaotic::execute);
    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(calls).hasValue(1);
    assertThat(h.requests)
        .extracting(AttemptRequest::idempotencyKey)
        .containsExactly("uid-1/a/-/1");
  }
}
