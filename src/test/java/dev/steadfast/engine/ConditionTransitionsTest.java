package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Condition;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.status.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A condition's {@code lastTransitionTime} moves when its status flips, and only then. */
class ConditionTransitionsTest {
  static final String TASK =
      "  steps:\n    - name: a\n"
          + "      retry: {maxAttempts: 5, backoff: {initialDelay: 10s, multiplier: 1.0, jitter: None}}\n"
          + "      http: {url: 'http://api.test/x'}\n";

  final EngineHarness h = new EngineHarness();
  final TaskRef t = EngineHarness.task(TASK);
  final AgentTaskStatus s = new AgentTaskStatus();
  final List<EngineEvent> events = new ArrayList<>();

  void attempt(Outcome outcome) {
    Plan plan = h.engine.plan(t, s, Set.of(), events);
    if (plan.start().isEmpty()) {
      h.clock.set(plan.wakeAt());
      plan = h.engine.plan(t, s, Set.of(), events);
    }
    h.engine.complete(t, s, plan.start().get(0), outcome, Duration.ZERO, events);
  }

  String since(String type) {
    return Conditions.find(s.conditions, type).lastTransitionTime;
  }

  Condition condition(String type) {
    return Conditions.find(s.conditions, type);
  }

  @Test
  void retriesChangeReasonsAndMessagesButNotTransitionTimesUntilTheTaskSucceeds() {
    h.engine.prepare(t, s);
    Instant t0 = h.clock.instant();
    attempt(new Outcome.Failed(new Failure(Tier.Transient, "ServerError", "500", 500, null)));
    assertThat(s.phase).isEqualTo(TaskPhase.Waiting);
    String readySince = since(Conditions.READY);
    String reconcilingSince = since(Conditions.RECONCILING);
    String stalledSince = since(Conditions.STALLED);
    String degradedSince = since(Conditions.DEGRADED);
    String firstMessage = condition(Conditions.RECONCILING).message;
    assertThat(Instant.parse(reconcilingSince)).isEqualTo(t0);

    // Ten seconds later, another failure: same statuses, a new message, the same times.
    attempt(new Outcome.Failed(new Failure(Tier.Transient, "Timeout", "slow", null, null)));
    assertThat(h.clock.instant()).isEqualTo(t0.plusSeconds(10));
    assertThat(condition(Conditions.RECONCILING).message).isNotEqualTo(firstMessage);
    assertThat(since(Conditions.READY)).isEqualTo(readySince);
    assertThat(since(Conditions.RECONCILING)).isEqualTo(reconcilingSince);
    assertThat(since(Conditions.STALLED)).isEqualTo(stalledSince);

    // Success at +20 s: Ready and Reconciling flip, Stalled and Degraded stay False.
    attempt(new Outcome.Success(TextNode.valueOf("ok")));
    String flipped = t0.plusSeconds(20).toString();
    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(condition(Conditions.READY).status).isEqualTo("True");
    assertThat(since(Conditions.READY)).isEqualTo(flipped);
    assertThat(condition(Conditions.RECONCILING).status).isEqualTo("False");
    assertThat(since(Conditions.RECONCILING)).isEqualTo(flipped);
    assertThat(since(Conditions.STALLED)).isEqualTo(stalledSince);
    assertThat(since(Conditions.DEGRADED)).isEqualTo(degradedSince);
  }
}
