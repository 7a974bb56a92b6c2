package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.breaker.BreakerStore;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.status.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Behaviours of docs/tasks.md that worked before they had a test: the http fallback, {@code
 * onContextOverflow: Fail}, {@code maxElapsed}, Transient-only breakers and {@code repairAttempts}.
 */
class PolicyCoverageTest {
  static final String PRIMARY = "http://primary.test/x";
  static final String BACKUP = "http://backup.test/x";

  static Outcome failed(Tier tier, String reason, Integer code) {
    return new Outcome.Failed(new Failure(tier, reason, reason + " happened", code, null));
  }

  static String url(AttemptRequest r) {
    return ((Call.HttpCall) r.call()).url();
  }

  static String model(AttemptRequest r) {
    return ((Call.LlmCall) r.call()).model();
  }

  @Test
  void anHttpStepWhosePrimaryFailsUsesItsHttpFallbackAndTheTaskIsDegraded() {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  steps:\n    - name: a\n      retry: {maxAttempts: 2}\n"
                + "      http: {url: '"
                + PRIMARY
                + "'}\n      fallbacks:\n        - http: {url: '"
                + BACKUP
                + "'}\n");

    AgentTaskStatus s =
        h.run(
            t,
            r ->
                url(r).equals(PRIMARY)
                    ? failed(Tier.Transient, "ServerError", 503)
                    : new Outcome.Success(JsonNodeFactory.instance.objectNode().put("from", "b")));

    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(h.requests)
        .extracting(PolicyCoverageTest::url)
        .containsExactly(PRIMARY, PRIMARY, BACKUP);
    assertThat(s.steps.get(0).fallback).isEqualTo("http");
    assertThat(s.steps.get(0).degraded).isTrue();
    assertThat(s.steps.get(0).output.path("from").asText()).isEqualTo("b");
    assertThat(Conditions.find(s.conditions, Conditions.DEGRADED).reason).isEqualTo("FallbackUsed");
    assertThat(Conditions.isTrue(s.conditions, Conditions.DEGRADED)).isTrue();
    assertThat(h.reasons()).contains("FallbackUsed");
  }

  static final String LONG = "x".repeat(4000);
  static final String OVERFLOWING =
      "  steps:\n    - name: a\n      llm: {endpoint: 'http://llm.test', model: m,"
          + " onContextOverflow: Fail, messages: [{role: system, content: be brief},"
          + " {role: user, content: '"
          + LONG
          + "'}, {role: assistant, content: ok}, {role: user, content: '"
          + LONG
          + "'}]}\n";

  @Test
  void onContextOverflowFailSendsNoTruncatedRequest() {
    EngineHarness h = new EngineHarness();

    AgentTaskStatus s =
        h.run(
            EngineHarness.task(OVERFLOWING), r -> failed(Tier.Recoverable, "ContextOverflow", 400));

    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(h.requests).as("no truncated resend").hasSize(1);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("ContextOverflow");
    assertThat(Conditions.find(s.conditions, Conditions.STALLED).reason)
        .isEqualTo("ContextOverflow");

    // The same step with Truncate (the default) shrinks the request and resends it.
    EngineHarness truncating = new EngineHarness();
    AgentTaskStatus t =
        truncating.run(
            EngineHarness.task(OVERFLOWING.replace(" onContextOverflow: Fail,", "")),
            r ->
                ((Call.LlmCall) r.call()).messages().size() > 2
                    ? failed(Tier.Recoverable, "ContextOverflow", 400)
                    : new Outcome.Success(JsonNodeFactory.instance.textNode("fits")));
    assertThat(t.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(truncating.requests.size()).isGreaterThan(1);
  }

  @Test
  void onContextOverflowFailGoesToTheFallbackAtOnce() {
    EngineHarness h = new EngineHarness();

    AgentTaskStatus s =
        h.run(
            EngineHarness.task(
                OVERFLOWING + "      fallbacks:\n        - llm: {model: long-context}\n"),
            r ->
                model(r).equals("m")
                    ? failed(Tier.Recoverable, "ContextOverflow", 400)
                    : new Outcome.Success(JsonNodeFactory.instance.textNode("fits")));

    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(h.requests)
        .extracting(PolicyCoverageTest::model)
        .containsExactly("m", "long-context");
    assertThat(s.steps.get(0).fallback).isEqualTo("llm");
  }

  @Test
  void retryingStopsWhenMaxElapsedIsSpentEvenWithUnlimitedAttempts() {
    EngineHarness h = new EngineHarness();
    Instant start = h.clock.instant();
    TaskRef t =
        EngineHarness.task(
            "  steps:\n    - name: a\n"
                + "      retry: {maxAttempts: 0, maxElapsed: 1m,"
                + " backoff: {initialDelay: 10s, multiplier: 1.0, maxDelay: 10s, jitter: None}}\n"
                + "      http: {url: '"
                + PRIMARY
                + "'}\n");
    AtomicInteger calls = new AtomicInteger();

    // Alternating reasons, so the loop guard (5 identical failures) is not what stops it.
    AgentTaskStatus s =
        h.run(
            t,
            r ->
                calls.getAndIncrement() % 2 == 0
                    ? failed(Tier.Transient, "ServerError", 500)
                    : failed(Tier.Transient, "Timeout", null));

    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).phase).isEqualTo(StepPhase.Failed);
    // Attempts at 0s, 10s, ... 60s: the one at 60s has spent the 1m window, so no retry follows.
    assertThat(h.requests).hasSize(7);
    assertThat(h.waits).hasSize(6).containsOnly(Duration.ofSeconds(10));
    assertThat(Duration.between(start, h.clock.instant())).isEqualTo(Duration.ofMinutes(1));
    assertThat(h.reasons()).doesNotContain("LoopDetected");
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("ServerError");

    // Without the window, the same failures go on until the loop guard or attempts stop them.
    EngineHarness wide = new EngineHarness();
    AtomicInteger more = new AtomicInteger();
    wide.run(
        EngineHarness.task(
            "  steps:\n    - name: a\n      retry: {maxAttempts: 9, maxElapsed: 1h,"
                + " backoff: {initialDelay: 10s, multiplier: 1.0, maxDelay: 10s, jitter: None}}\n"
                + "      http: {url: '"
                + PRIMARY
                + "'}\n"),
        r ->
            more.getAndIncrement() % 2 == 0
                ? failed(Tier.Transient, "ServerError", 500)
                : failed(Tier.Transient, "Timeout", null));
    assertThat(wide.requests).hasSize(9);
  }

  static final String SHARED =
      "  steps:\n    - name: a\n      retry: {maxAttempts: 1}\n"
          + "      circuitBreaker: {key: shared, failureRateThreshold: 50, slidingWindowSize: 2,"
          + " minimumCalls: 2, openDuration: 10m}\n"
          + "      http: {url: '"
          + PRIMARY
          + "'}\n";
  static final String WITH_VALUE = SHARED + "      fallbacks:\n        - value: breaker-open\n";

  @ParameterizedTest
  @ValueSource(strings = {"Fatal:Unauthorized:401", "Recoverable:InvalidRequest:400"})
  void onlyTransientFailuresOpenTheBreaker(String failure) {
    String[] f = failure.split(":");
    Breakers breakers = new Breakers(new MutableClock(Instant.EPOCH), BreakerStore.NONE);
    for (int i = 0; i < 4; i++) {
      EngineHarness h = new EngineHarness(breakers);
      AgentTaskStatus s =
          h.run(
              EngineHarness.task(SHARED),
              r -> failed(Tier.valueOf(f[0]), f[1], Integer.parseInt(f[2])));
      assertThat(s.phase).isEqualTo(TaskPhase.Failed);
      assertThat(s.steps.get(0).lastError.reason).isEqualTo(f[1]);
    }

    // After four failures of this tier the next task still reaches the server.
    EngineHarness next = new EngineHarness(breakers);
    AgentTaskStatus s =
        next.run(
            EngineHarness.task(WITH_VALUE),
            r -> new Outcome.Success(JsonNodeFactory.instance.textNode("served")));
    assertThat(next.requests).hasSize(1);
    assertThat(s.steps.get(0).output.asText()).isEqualTo("served");
    assertThat(next.reasons()).doesNotContain("CircuitOpened");
    assertThat(breakers.states("ns")).containsEntry("shared", "CLOSED");
  }

  @Test
  void twoTransientFailuresOpenTheSameBreaker() {
    Breakers breakers = new Breakers(new MutableClock(Instant.EPOCH), BreakerStore.NONE);
    for (int i = 0; i < 2; i++) {
      new EngineHarness(breakers)
          .run(EngineHarness.task(SHARED), r -> failed(Tier.Transient, "ServerError", 500));
    }

    EngineHarness next = new EngineHarness(breakers);
    AgentTaskStatus s =
        next.run(
            EngineHarness.task(WITH_VALUE),
            r -> new Outcome.Success(JsonNodeFactory.instance.textNode("served")));
    assertThat(next.requests).as("an open breaker sends nothing").isEmpty();
    assertThat(s.steps.get(0).output.asText()).isEqualTo("breaker-open");
    assertThat(breakers.states("ns")).containsEntry("shared", "OPEN");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3})
  void repairAttemptsIsTheExactNumberOfRepairRequests(int repairs) {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  steps:\n    - name: a\n      llm: {endpoint: 'http://llm.test/v1', model: m,"
                + " responseFormat: json, repairAttempts: "
                + repairs
                + ", messages: [{role: user, content: hi}]}\n");

    AgentTaskStatus s =
        h.run(
            t,
            r ->
                new Outcome.Failed(
                    new Failure(
                        Tier.Recoverable, "InvalidOutput", "output is not JSON", null, null),
                    "{oops"));

    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("InvalidOutput");
    assertThat(h.requests).hasSize(1 + repairs);
    // Each repair carries the rejected answer and the validation error; the first request not.
    List<Integer> sizes =
        h.requests.stream().map(r -> ((Call.LlmCall) r.call()).messages().size()).toList();
    assertThat(sizes.get(0)).isEqualTo(1);
    for (int i = 1; i < sizes.size(); i++) {
      var messages = ((Call.LlmCall) h.requests.get(i).call()).messages();
      assertThat(messages.get(messages.size() - 1).content()).contains("output is not JSON");
    }
  }
}
