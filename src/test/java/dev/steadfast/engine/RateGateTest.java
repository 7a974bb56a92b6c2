package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.breaker.BreakerStore;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.policy.EffectivePolicy;
import dev.steadfast.engine.ratelimit.EndpointLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RateGateTest {
  private static final String STEP =
      "  steps:\n"
          + "    - name: ask\n"
          + "      llm: {endpoint: 'https://api.openai.com/v1', model: gpt-4o,"
          + " apiKeySecretRef: {name: openai, key: token}, messages: [{role: user, content: hi}]}\n";

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<Object> woken = new ArrayList<>();

  private TaskEngine engine(EndpointLimits limits) {
    limits.onWake(woken::add);
    return new TaskEngine(
        clock,
        new Breakers(clock, BreakerStore.NONE),
        ResponseCache.inMemory(16),
        new Random(7),
        EffectivePolicy.defaults(),
        ItemLimit.DEFAULT,
        Pricing.NONE,
        limits);
  }

  private static TaskRef task(String name, String namespace) {
    TaskRef t = EngineHarness.task(STEP);
    return new TaskRef(name, namespace, "uid-" + name, 1L, t.spec(), Map.of());
  }

  private static AgentTaskStatus prepared(TaskEngine engine, TaskRef task) {
    AgentTaskStatus status = new AgentTaskStatus();
    engine.prepare(task, status);
    return status;
  }

  @Test
  void aTaskOverTheLimitWaitsWithoutSpendingAnAttemptAndStartsWhenASlotFrees() {
    EndpointLimits limits = new EndpointLimits(clock, 1);
    TaskEngine engine = engine(limits);
    TaskRef first = task("first", "team");
    TaskRef second = task("second", "team");
    AgentTaskStatus s1 = prepared(engine, first);
    AgentTaskStatus s2 = prepared(engine, second);
    List<EngineEvent> events = new ArrayList<>();

    Plan p1 = engine.plan(first, s1, Set.of(), events);
    Plan p2 = engine.plan(second, s2, Set.of(), events);

    assertThat(p1.start()).hasSize(1);
    assertThat(p2.start()).isEmpty();
    assertThat(s2.phase).isEqualTo(TaskPhase.Waiting);
    assertThat(s2.conditions.stream().filter(c -> c.type.equals("Reconciling")).findFirst())
        .hasValueSatisfying(c -> assertThat(c.reason).isEqualTo("RateLimited"));
    assertThat(s2.message)
        .isEqualTo("ask: queued behind the rate limit of api.openai.com, limit 1");
    assertThat(s2.attempts == null ? 0 : s2.attempts).isZero();
    assertThat(p2.wakeAt()).isEqualTo(clock.instant().plus(EndpointLimits.RECHECK));

    engine.complete(
        first,
        s1,
        p1.start().get(0),
        new Outcome.Success(TextNode.valueOf("ok")),
        Duration.ofMillis(5),
        events);

    assertThat(woken).containsExactly(second); // woken at once, long before its safety-net timer
    Plan again = engine.plan(second, s2, Set.of(), events);
    assertThat(again.start()).hasSize(1);
    assertThat(s2.phase).isEqualTo(TaskPhase.Running);
  }

  @Test
  void a429LowersTheLimitOtherTeamsKeepTheirsAndTheMessageShowsOnlyTheirOwn() {
    EndpointLimits limits = new EndpointLimits(clock, 2);
    TaskEngine engine = engine(limits);
    TaskRef a1 = task("a1", "team-a");
    TaskRef a2 = task("a2", "team-a");
    TaskRef a3 = task("a3", "team-a");
    TaskRef b1 = task("b1", "team-b");
    TaskRef b2 = task("b2", "team-b");
    TaskRef b3 = task("b3", "team-b");
    List<EngineEvent> events = new ArrayList<>();
    AgentTaskStatus s1 = prepared(engine, a1);
    AgentTaskStatus s2 = prepared(engine, a2);
    Attempt x = engine.plan(a1, s1, Set.of(), events).start().get(0);
    Attempt y = engine.plan(a2, s2, Set.of(), events).start().get(0);
    clock.advance(Duration.ofSeconds(1));
    Outcome.Failed limited =
        new Outcome.Failed(
            new Failure(
                Tier.Transient,
                "RateLimited",
                "429 from api.openai.com",
                429,
                Duration.ofSeconds(1)));

    engine.complete(a1, s1, x, limited, Duration.ofMillis(5), events);
    engine.complete(a2, s2, y, limited, Duration.ofMillis(5), events);

    // Halved once (2 -> 1) for the burst; the 429 itself still counts as a Transient retry.
    assertThat(s1.steps.get(0).lastError.reason).isEqualTo("RateLimited");
    assertThat(s1.attempts).isEqualTo(1);
    clock.set(Instant.parse(s1.nextAttemptAt)); // its retry is due (Retry-After honoured)
    assertThat(engine.plan(a1, s1, Set.of(), events).start()).hasSize(1);
    AgentTaskStatus s3 = prepared(engine, a3);
    assertThat(engine.plan(a3, s3, Set.of(), events).start()).isEmpty();
    assertThat(s3.message).endsWith("limit 1");

    AgentTaskStatus t1 = prepared(engine, b1);
    AgentTaskStatus t2 = prepared(engine, b2);
    AgentTaskStatus t3 = prepared(engine, b3);
    assertThat(engine.plan(b1, t1, Set.of(), events).start()).hasSize(1);
    assertThat(engine.plan(b2, t2, Set.of(), events).start()).hasSize(1);
    assertThat(engine.plan(b3, t3, Set.of(), events).start()).isEmpty();
    assertThat(t3.message)
        .isEqualTo("ask: queued behind the rate limit of api.openai.com, limit 2");
  }

  @Test
  void withoutLimitsEveryCallStarts() {
    EngineHarness h = new EngineHarness();
    for (String name : List.of("a", "b", "c")) {
      TaskRef t = task(name, "team");
      AgentTaskStatus s = new AgentTaskStatus();
      h.engine.prepare(t, s);
      assertThat(h.engine.plan(t, s, Set.of(), h.events).start()).hasSize(1);
    }
  }
}
