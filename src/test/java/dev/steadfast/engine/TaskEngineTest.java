package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.status.Conditions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class TaskEngineTest {
  static final String HTTP = "      http: {url: 'http://api.test/x'}\n";
  static final String LLM =
      "      llm: {endpoint: 'http://llm.test/v1', model: big, messages: [{role: user, content: hi}]}\n";

  static Outcome ok(String s) {
    return new Outcome.Success(TextNode.valueOf(s));
  }

  static Outcome fail(Tier tier, String reason, Integer code, Duration retryAfter) {
    return new Outcome.Failed(new Failure(tier, reason, reason + " happened", code, retryAfter));
  }

  /** Fails the first n calls with the given outcome, then succeeds. */
  static Function<AttemptRequest, Outcome> failFirst(int n, Outcome failure) {
    AtomicInteger calls = new AtomicInteger();
    return r -> calls.incrementAndGet() <= n ? failure : ok("done");
  }

  @Test
  void happyPath() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus s =
        h.run(
            EngineHarness.task("  steps:\n    - name: a\n" + HTTP + "    - name: b\n" + HTTP),
            r -> ok("x"));
    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(s.attempts).isEqualTo(2);
    assertThat(s.steps)
        .extracting(st -> st.phase)
        .containsExactly(StepPhase.Succeeded, StepPhase.Succeeded);
    assertThat(Conditions.isTrue(s.conditions, Conditions.READY)).isTrue();
    assertThat(h.reasons())
        .containsSubsequence("StepStarted", "StepSucceeded", "StepStarted", "StepSucceeded");
    assertThat(h.requests.get(0).idempotencyKey()).isEqualTo("uid-1/a/-/1");
  }

  @Test
  void transientFailuresRetryWithBackoffThenSucceed() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus s =
        h.run(
            EngineHarness.task("  steps:\n    - name: a\n" + HTTP),
            failFirst(3, fail(Tier.Transient, "ServerError", 503, null)));
    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(s.steps.get(0).attempts).isEqualTo(4);
    assertThat(h.waits)
        .hasSize(3)
        .allSatisfy(w -> assertThat(w).isBetween(Duration.ZERO, Duration.ofMinutes(5)));
    assertThat(h.requests)
        .extracting(AttemptRequest::idempotencyKey)
        .containsExactly("uid-1/a/-/1", "uid-1/a/-/2", "uid-1/a/-/3", "uid-1/a/-/4");
    assertThat(h.reasons()).filteredOn("StepRetrying"::equals).hasSize(3);
  }

  @Test
  void retryAfterIsHonouredThroughNextAttemptAt() {
    EngineHarness h = new EngineHarness();
    TaskRef t = EngineHarness.task("  steps:\n    - name: a\n" + HTTP);
    AgentTaskStatus s = new AgentTaskStatus();
    h.engine.prepare(t, s);
    var events = new java.util.ArrayList<EngineEvent>();
    Plan p = h.engine.plan(t, s, java.util.Set.of(), events);
    h.engine.complete(
        t,
        s,
        p.start().get(0),
        fail(Tier.Transient, "RateLimited", 429, Duration.ofSeconds(7)),
        Duration.ZERO,
        events);
    assertThat(s.phase).isEqualTo(TaskPhase.Waiting);
    assertThat(s.nextAttemptAt).isNotNull();
    Duration wait = Duration.between(h.clock.instant(), java.time.Instant.parse(s.nextAttemptAt));
    assertThat(wait)
        .isGreaterThanOrEqualTo(Duration.ofSeconds(7))
        .isLessThanOrEqualTo(Duration.ofMinutes(10));
    assertThat(s.message).contains("RateLimited (429)");
    // Nothing starts before the timer.
    Plan early = h.engine.plan(t, s, java.util.Set.of(), events);
    assertThat(early.start()).isEmpty();
    assertThat(early.wakeAt().toString()).isEqualTo(s.nextAttemptAt);
  }

  @Test
  void attemptsExhaustedGoThroughTheFallbackChain() {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  steps:\n    - name: a\n      retry: {maxAttempts: 2}\n"
                + LLM
                + "      fallbacks:\n        - llm: {model: small}\n        - value: {answer: canned}\n");
    AgentTaskStatus s = h.run(t, r -> fail(Tier.Transient, "Overloaded", 529, null));
    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(s.steps.get(0).fallback).isEqualTo("value");
    assertThat(s.steps.get(0).degraded).isTrue();
    assertThat(s.steps.get(0).output.path("answer").asText()).isEqualTo("canned");
    assertThat(h.requests)
        .extracting(r -> ((Call.LlmCall) r.call()).model())
        .containsExactly("big", "big", "small", "small");
    assertThat(h.reasons()).contains("FallbackUsed");
    assertThat(Conditions.find(s.conditions, Conditions.DEGRADED).reason).isEqualTo("FallbackUsed");
    assertThat(Conditions.isTrue(s.conditions, Conditions.READY)).isTrue();
  }

  @Test
  void fatalErrorWithoutFallbackFailsTheTaskAndStalls() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus s =
        h.run(
            EngineHarness.task("  steps:\n    - name: a\n" + HTTP + "    - name: b\n" + HTTP),
            r -> fail(Tier.Fatal, "Unauthorized", 401, null));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.attempts).isEqualTo(1);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("Unauthorized");
    assertThat(s.steps.get(1).phase).isEqualTo(StepPhase.Pending);
    assertThat(Conditions.find(s.conditions, Conditions.STALLED).reason).isEqualTo("Unauthorized");
    assertThat(h.reasons()).contains("StepFailed", "FatalError");
  }

  @Test
  void anOutputTooLargeForACheckpointFailsInsteadOfBeingRetriedForever() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus s =
        h.run(
            EngineHarness.task("  steps:\n    - name: a\n" + HTTP),
            r -> ok("x".repeat(OutputLimit.MAX_BYTES)));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.attempts).isEqualTo(1);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("OutputTooLarge");
    assertThat(s.steps.get(0).lastError.tier).isEqualTo(Tier.Fatal);
    assertThat(s.steps.get(0).lastError.message).contains("769 KiB", "768 KiB", "output.select");
    assertThat(s.steps.get(0).output).isNull();
    assertThat(s.checkpoint.steps.get(0).units.get(0).output).isNull();

    EngineHarness fits = new EngineHarness();
    assertThat(
            fits.run(
                    EngineHarness.task("  steps:\n    - name: a\n" + HTTP),
                    r -> ok("x".repeat(OutputLimit.MAX_BYTES - 2)))
                .phase)
        .isEqualTo(TaskPhase.Succeeded);
  }

  @Test
  void forEachOutputsThatTogetherAreTooLargeFailTheStep() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus s =
        h.run(
            EngineHarness.task(
                "  inputs: {xs: [1, 2, 3]}\n  steps:\n    - name: each\n      forEach: {items: inputs.xs}\n"
                    + HTTP),
            r -> ok("x".repeat(OutputLimit.MAX_BYTES / 2)));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).items.succeeded).isEqualTo(3);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("OutputTooLarge");
    assertThat(s.steps.get(0).lastError.message).startsWith("the list of item outputs is 1153 KiB");
    assertThat(h.reasons()).contains("StepFailed", "FatalError");
  }

  @Test
  void invalidRequestIsNotRetriedIdentically() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus s =
        h.run(
            EngineHarness.task("  steps:\n    - name: a\n" + HTTP),
            r -> fail(Tier.Recoverable, "InvalidRequest", 400, null));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(h.requests).hasSize(1);
  }

  @Test
  void loopDetectionStopsIdenticalFailuresWithUnlimitedAttempts() {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  policy: {loopDetection: {maxIdenticalFailures: 3}}\n  steps:\n    - name: a\n      retry: {maxAttempts: 0}\n"
                + HTTP);
    AgentTaskStatus s = h.run(t, r -> fail(Tier.Transient, "ServerError", 500, null));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("LoopDetected");
    assertThat(h.requests).hasSize(3);
    assertThat(h.reasons()).contains("LoopDetected");
  }

  @Test
  void maxTotalAttemptsIsATaskWideGuard() {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  maxTotalAttempts: 4\n  steps:\n    - name: a\n      retry: {maxAttempts: 10}\n"
                + HTTP);
    AgentTaskStatus s = h.run(t, failFirst(100, fail(Tier.Transient, "Timeout", null, null)));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("LoopDetected");
    assertThat(h.requests).hasSize(4);
  }

  @Test
  void deadlineFailsTheTask() {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  deadline: 10s\n  steps:\n    - name: a\n      retry: {maxAttempts: 0, backoff: {initialDelay: 4s, jitter: None}}\n"
                + HTTP);
    AgentTaskStatus s = h.run(t, r -> fail(Tier.Transient, "Timeout", null, null));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("DeadlineExceeded");
  }

  @Test
  void invalidOutputIsRepairedWithTheValidationErrors() {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  steps:\n    - name: a\n"
                + LLM.replace("model: big,", "model: big, responseFormat: json,"));
    AtomicInteger calls = new AtomicInteger();
    AgentTaskStatus s =
        h.run(
            t,
            r ->
                calls.incrementAndGet() < 3
                    ? new Outcome.Failed(
                        new Failure(
                            Tier.Recoverable, "InvalidOutput", "output is not JSON", null, null),
                        "{oops")
                    : new Outcome.Success(JsonNodeFactory.instance.objectNode().put("ok", true)));
    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    var last = (Call.LlmCall) h.requests.get(2).call();
    assertThat(last.messages()).hasSize(3);
    assertThat(last.messages().get(1).content()).isEqualTo("{oops");
    assertThat(last.messages().get(2).content()).contains("output is not JSON");
  }

  @Test
  void contextOverflowTruncatesAndRetries() {
    EngineHarness h = new EngineHarness();
    String longText = "x".repeat(4000);
    TaskRef t =
        EngineHarness.task(
            "  steps:\n    - name: a\n      llm: {endpoint: 'http://llm.test', model: m, messages: [{role: system, content: be brief}, {role: user, content: '"
                + longText
                + "'}, {role: assistant, content: ok}, {role: user, content: '"
                + longText
                + "'}]}\n");
    AgentTaskStatus s =
        h.run(
            t,
            r ->
                ((Call.LlmCall) r.call())
                            .messages().stream().mapToInt(m -> m.content().length()).sum()
                        > 3000
                    ? fail(Tier.Recoverable, "ContextOverflow", 400, null)
                    : ok("short enough"));
    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(h.requests.size()).isGreaterThan(1);
    var last = (Call.LlmCall) h.requests.get(h.requests.size() - 1).call();
    assertThat(last.messages().get(0).role()).isEqualTo("system");
    assertThat(last.messages().get(last.messages().size() - 1).role()).isEqualTo("user");
  }

  @Test
  void contextOverflowThatCannotBeTruncatedFurtherGoesToFallbacksThenFailsWithItsReason() {
    String step =
        "  steps:\n    - name: a\n      llm: {endpoint: 'http://llm.test', model: m, messages: [{role: user, content: hi}]}\n";
    EngineHarness h = new EngineHarness();
    AgentTaskStatus s =
        h.run(EngineHarness.task(step), r -> fail(Tier.Recoverable, "ContextOverflow", 400, null));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("ContextOverflow");
    assertThat(Conditions.find(s.conditions, Conditions.STALLED).reason)
        .isEqualTo("ContextOverflow");
    assertThat(h.reasons()).doesNotContain("LoopDetected");
    assertThat(h.requests).hasSizeLessThanOrEqualTo(2);

    EngineHarness withFallback = new EngineHarness();
    AgentTaskStatus degraded =
        withFallback.run(
            EngineHarness.task(step + "      fallbacks:\n        - llm: {model: long-context}\n"),
            r ->
                ((Call.LlmCall) r.call()).model().equals("m")
                    ? fail(Tier.Recoverable, "ContextOverflow", 400, null)
                    : ok("fits"));
    assertThat(degraded.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(degraded.steps.get(0).fallback).isEqualTo("llm");
  }

  @Test
  void forEachToleratesFailuresAndCheckpointsItems() {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  inputs: {xs: [1, 2, 3, 4, 5]}\n  steps:\n    - name: each\n      forEach: {items: inputs.xs, concurrency: 2, toleratedFailures: 1}\n"
                + "      retry: {maxAttempts: 1}\n      http: {url: 'http://api.test/{{ item }}'}\n");
    AgentTaskStatus s =
        h.run(
            t,
            r ->
                ((Call.HttpCall) r.call()).url().endsWith("/3")
                    ? fail(Tier.Fatal, "NotFound", 404, null)
                    : ok(((Call.HttpCall) r.call()).url()));
    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(s.steps.get(0).items.succeeded).isEqualTo(4);
    assertThat(s.steps.get(0).items.failed).isEqualTo(1);
    assertThat(s.steps.get(0).output).hasSize(5);
    assertThat(s.steps.get(0).output.get(2).isNull()).isTrue();
    assertThat(Conditions.find(s.conditions, Conditions.DEGRADED).reason)
        .isEqualTo("PartialFailure");
    assertThat(h.requests).extracting(AttemptRequest::idempotencyKey).contains("uid-1/each/4/1");
  }

  @Test
  void forEachItemsProducedByAFallbackMakeTheTaskDegradedWithFallbackUsed() {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  inputs: {xs: [1, 2, 3]}\n  steps:\n    - name: each\n      forEach: {items: inputs.xs}\n"
                + "      http: {url: 'http://api.test/{{ item }}'}\n"
                // A fatal reason reaches a fallback only when it opts in (docs/tasks.md, onFatal).
                + "      fallbacks:\n        - value: unknown\n          onFatal: [NotFound]\n");
    AgentTaskStatus s =
        h.run(
            t,
            r ->
                ((Call.HttpCall) r.call()).url().endsWith("/2")
                    ? fail(Tier.Fatal, "NotFound", 404, null)
                    : ok("y"));
    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(s.steps.get(0).items.failed).isZero();
    assertThat(s.steps.get(0).degraded).isTrue();
    assertThat(Conditions.find(s.conditions, Conditions.DEGRADED).status).isEqualTo("True");
    assertThat(Conditions.find(s.conditions, Conditions.DEGRADED).reason).isEqualTo("FallbackUsed");
    assertThat(h.reasons()).contains("FallbackUsed");
  }

  @Test
  void forEachBeyondToleranceFailsWithPartialFailure() {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  inputs: {xs: [1, 2, 3, 4]}\n  steps:\n    - name: each\n      forEach: {items: inputs.xs, toleratedFailures: '25%'}\n"
                + "      http: {url: 'http://api.test/{{ item }}'}\n");
    AgentTaskStatus s =
        h.run(
            t,
            r ->
                ((Call.HttpCall) r.call()).url().matches(".*/[12]")
                    ? fail(Tier.Fatal, "Forbidden", 403, null)
                    : ok("y"));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("PartialFailure");
    // What went wrong with the items is said, not only how many.
    assertThat(s.steps.get(0).lastError.message)
        .startsWith("2 of 4 items failed (1 tolerated): Forbidden ×2 (item 0: ");
  }

  @Test
  void laterStepsSeeEarlierOutputsAndWhenSkips() {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  steps:\n    - name: fetch-items\n"
                + HTTP
                + "    - name: skip\n      when: \"steps['fetch-items'].output == 'nope'\"\n"
                + HTTP
                + "    - name: use\n      http: {url: \"http://api.test/{{ steps['fetch-items'].output }}\"}\n");
    AgentTaskStatus s = h.run(t, r -> ok("abc"));
    assertThat(s.steps.get(1).phase).isEqualTo(StepPhase.Skipped);
    assertThat(((Call.HttpCall) h.requests.get(1).call()).url()).isEqualTo("http://api.test/abc");
  }

  @Test
  void resumeRerunsTheInFlightAttemptWithTheSameKeyAndNotFinishedSteps() {
    EngineHarness h = new EngineHarness();
    TaskRef t = EngineHarness.task("  steps:\n    - name: a\n" + HTTP + "    - name: b\n" + HTTP);
    AgentTaskStatus s = new AgentTaskStatus();
    var events = new java.util.ArrayList<EngineEvent>();
    h.engine.prepare(t, s);
    Plan p1 = h.engine.plan(t, s, java.util.Set.of(), events);
    h.engine.complete(t, s, p1.start().get(0), ok("A"), Duration.ZERO, events);
    Plan p2 = h.engine.plan(t, s, java.util.Set.of(), events);
    String inFlight = p2.start().get(0).key();
    // The process dies here: the checkpoint says step b's attempt 1 is in flight.
    AgentTaskStatus restored = Json.copy(s, AgentTaskStatus.class);
    EngineHarness fresh = new EngineHarness();
    AgentTaskStatus done = fresh.resume(t, restored, r -> ok("B"), 10);
    assertThat(done.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(fresh.requests).extracting(AttemptRequest::idempotencyKey).containsExactly(inFlight);
    assertThat(fresh.reasons()).contains("Resumed");
    assertThat(done.steps.get(0).output.asText()).isEqualTo("A");
  }

  /**
   * A status is written on every step transition, and the API server and the operator pay for each
   * of its bytes: a finished step's output is held once, by the step, and its unit keeps only what
   * it came to. The stored form resumes as well as the full one did.
   */
  @Test
  void aSucceededStepsOutputIsStoredOnceAndItsUnitKeepsOnlyWhatItCameTo() {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  steps:\n    - name: a\n"
                + HTTP
                + "      retry: {maxAttempts: 3}\n"
                + "    - name: b\n      http: {url: 'http://api.test/{{ steps.a.output }}'}\n");
    AgentTaskStatus s = new AgentTaskStatus();
    var events = new java.util.ArrayList<EngineEvent>();
    h.engine.prepare(t, s);
    h.engine.complete(
        t,
        s,
        h.engine.plan(t, s, java.util.Set.of(), events).start().get(0),
        fail(Tier.Transient, "ServerError", 503, null),
        Duration.ZERO,
        events);
    var a = s.checkpoint.steps.get(0).units.get(0);
    assertThat(a.stageAttempts).isEqualTo(1);
    assertThat(a.stageStartedAt).isNotNull();
    assertThat(a.lastError.reason).isEqualTo("ServerError");
    h.clock.set(h.engine.plan(t, s, java.util.Set.of(), events).wakeAt());
    h.engine.complete(
        t,
        s,
        h.engine.plan(t, s, java.util.Set.of(), events).start().get(0),
        ok("output-of-a-1"),
        Duration.ZERO,
        events);
    // The process dies after step a succeeded; the stored status is all the next one has.
    AgentTaskStatus stored = Json.copy(s, AgentTaskStatus.class);
    assertThat(stored.steps.get(0).phase).isEqualTo(StepPhase.Succeeded);
    String json = Json.write(stored);
    assertThat(json.split("output-of-a-1", -1)).as("the output, once").hasSize(2);
    assertThat(json).doesNotContain("\"stage\"", "stageAttempts", "stageStartedAt");
    var settled = stored.checkpoint.steps.get(0).units.get(0);
    assertThat(settled.phase).isEqualTo(StepPhase.Succeeded);
    assertThat(settled.attempts).isEqualTo(2);
    assertThat(settled.output).isNull();
    assertThat(settled.lastError).isNull();
    assertThat(stored.steps.get(0).lastError.reason)
        .as("the step still tells")
        .isEqualTo("ServerError");

    EngineHarness fresh = new EngineHarness();
    AgentTaskStatus done = fresh.resume(t, stored, r -> ok("B"), 10);
    assertThat(done.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(fresh.requests)
        .extracting(r -> ((Call.HttpCall) r.call()).url())
        .as("step a is not run again, and b reads its output")
        .containsExactly("http://api.test/output-of-a-1");
  }

  @Test
  void aSucceededForEachKeepsItsToleratedFailuresOnTheirUnitsOnly() {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  inputs: {xs: [1, 2, 3]}\n  steps:\n    - name: each\n      forEach: {items: inputs.xs, toleratedFailures: 1}\n"
                + "      retry: {maxAttempts: 1}\n      http: {url: 'http://api.test/{{ item }}'}\n");
    AgentTaskStatus s =
        h.run(
            t,
            r ->
                ((Call.HttpCall) r.call()).url().endsWith("/2")
                    ? fail(Tier.Fatal, "NotFound", 404, null)
                    : ok("item-" + ((Call.HttpCall) r.call()).url()));
    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(s.steps.get(0).output).hasSize(3);
    var units = s.checkpoint.steps.get(0).units;
    assertThat(units).extracting(u -> u.output).containsOnlyNulls();
    assertThat(units.get(1).phase).isEqualTo(StepPhase.Failed);
    assertThat(units.get(1).lastError.reason).isEqualTo("NotFound");
    assertThat(Json.write(s).split("item-http://api.test/1", -1)).hasSize(2);
  }

  /**
   * Issue 12, found by the operator kill suite: item 0 waits for its retry while items 1 and 2 are
   * in flight (concurrency 2), and the process dies. The new process must re-send items 1 and 2;
   * the concurrency limit reached at item 0 once stopped the scan there, so nothing was started,
   * nothing scheduled, and the task stayed Running forever.
   */
  @Test
  void resumeResendsInFlightItemsBehindAnItemWaitingForItsRetry() {
    EngineHarness h = new EngineHarness();
    TaskRef t =
        EngineHarness.task(
            "  inputs: {xs: [1, 2, 3]}\n  steps:\n    - name: each\n      forEach: {items: inputs.xs, concurrency: 2}\n"
                + "      retry: {maxAttempts: 5, backoff: {initialDelay: 1s, maxDelay: 1s}}\n"
                + "      http: {url: 'http://api.test/{{ item }}'}\n");
    AgentTaskStatus s = new AgentTaskStatus();
    var events = new java.util.ArrayList<EngineEvent>();
    h.engine.prepare(t, s);
    Plan p1 = h.engine.plan(t, s, java.util.Set.of(), events);
    assertThat(p1.start())
        .extracting(Attempt::key)
        .containsExactly("uid-1/each/0/1", "uid-1/each/1/1");
    h.engine.complete(
        t,
        s,
        p1.start().get(0),
        fail(Tier.Transient, "ServerError", 500, null),
        Duration.ZERO,
        events);
    Plan p2 = h.engine.plan(t, s, java.util.Set.of("uid-1/each/1/1"), events);
    assertThat(p2.start()).extracting(Attempt::key).containsExactly("uid-1/each/2/1");
    // The process dies here; the new one starts after item 0's retry is due.
    AgentTaskStatus restored = Json.copy(s, AgentTaskStatus.class);
    EngineHarness fresh = new EngineHarness();
    fresh.clock.set(h.clock.instant().plus(Duration.ofMinutes(1)));
    fresh.engine.prepare(t, restored);
    Plan resumed = fresh.engine.plan(t, restored, java.util.Set.of(), new java.util.ArrayList<>());
    assertThat(resumed.start())
        .extracting(Attempt::key)
        .containsExactly("uid-1/each/1/1", "uid-1/each/2/1");
    // And the task finishes from there, item 0 retried once both slots are free again.
    AgentTaskStatus done = fresh.resume(t, restored, r -> ok("ok"), 20);
    assertThat(done.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(fresh.requests)
        .extracting(AttemptRequest::idempotencyKey)
        .contains("uid-1/each/0/2");
  }

  @Test
  void specChangeKeepsUnchangedFinishedSteps() {
    EngineHarness h = new EngineHarness();
    TaskRef t1 = EngineHarness.task("  steps:\n    - name: a\n" + HTTP + "    - name: b\n" + HTTP);
    AgentTaskStatus s = h.run(t1, r -> ok("v1"));
    TaskRef t2 =
        EngineHarness.task(
            "  steps:\n    - name: a\n"
                + HTTP
                + "    - name: b\n      http: {url: 'http://api.test/changed'}\n");
    h.requests.clear();
    AgentTaskStatus s2 = h.resume(t2, s, r -> ok("v2"), 10);
    assertThat(s2.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(h.requests)
        .extracting(r -> ((Call.HttpCall) r.call()).url())
        .containsExactly("http://api.test/changed");
    assertThat(s2.steps.get(0).output.asText()).isEqualTo("v1");
    assertThat(s2.steps.get(1).output.asText()).isEqualTo("v2");
  }

  @Test
  void continueOnFailureLetsLaterStepsRun() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus s =
        h.run(
            EngineHarness.task(
                "  steps:\n    - name: a\n      continueOnFailure: true\n"
                    + HTTP
                    + "    - name: b\n"
                    + HTTP),
            r -> h.requests.size() == 1 ? fail(Tier.Fatal, "NotFound", 404, null) : ok("b"));
    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(s.steps.get(0).phase).isEqualTo(StepPhase.Failed);
    assertThat(Conditions.isTrue(s.conditions, Conditions.DEGRADED)).isTrue();
  }

  @Test
  void expressionFailingAtRunTimeIsFatalInvalidSpec() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus s =
        h.run(
            EngineHarness.task(
                "  inputs: {n: 3}\n  steps:\n    - name: a\n      forEach: {items: inputs.n}\n"
                    + HTTP),
            r -> ok("x"));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("InvalidSpec");
    assertThat(s.steps.get(0).lastError.message).contains("must yield a list");
    assertThat(h.requests).isEmpty();
  }

  @Test
  void anExpressionOverTheCelCostLimitIsFatalInvalidSpec() {
    // Two nested loops pass validate's estimate; over 1,000 inputs they are a million iterations.
    String xs =
        java.util.stream.IntStream.range(0, 1_000)
            .mapToObj(Integer::toString)
            .collect(java.util.stream.Collectors.joining(",", "[", "]"));
    TaskRef task =
        EngineHarness.task(
            "  inputs: {xs: "
                + xs
                + "}\n  steps:\n    - name: a\n"
                + "      when: 'inputs.xs.all(a, inputs.xs.all(b, a != b || a == b))'\n"
                + HTTP);
    assertThat(new dev.steadfast.engine.validation.SpecValidator().validate(task.spec())).isEmpty();

    EngineHarness h = new EngineHarness();
    AgentTaskStatus s = h.run(task, r -> ok("x"));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).lastError.tier).isEqualTo(Tier.Fatal);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("InvalidSpec");
    assertThat(s.steps.get(0).lastError.message)
        .startsWith("a: expression ")
        .contains("exceeded the CEL");
    assertThat(h.requests).isEmpty();
  }

  @Test
  void manyExpressionsEachUnderTheLimitShareOneBudgetPerDecision() {
    // Each template costs ~750,000 (150 `in` over 5,000), under the per-call limit; 14 of them in
    // one request are over what one decision may spend.
    String xs = numbers(150);
    String ys = numbers(5_000);
    StringBuilder body = new StringBuilder("{");
    for (int i = 0; i < 14; i++) {
      body.append(i == 0 ? "" : ", ")
          .append("f")
          .append(i)
          .append(": '{{ inputs.xs.all(a, a in inputs.ys) }}'");
    }
    TaskRef task =
        EngineHarness.task(
            "  inputs: {xs: "
                + xs
                + ", ys: "
                + ys
                + "}\n  steps:\n    - name: a\n"
                + "      http: {url: 'http://api.test/x', method: POST, body: "
                + body
                + "}}\n");
    assertThat(new dev.steadfast.engine.validation.SpecValidator().validate(task.spec())).isEmpty();

    EngineHarness h = new EngineHarness();
    AgentTaskStatus s = h.run(task, r -> ok("x"));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).lastError.reason).isEqualTo("InvalidSpec");
    assertThat(s.steps.get(0).lastError.message).contains("for all expressions of one decision");
    assertThat(h.requests).isEmpty();
  }

  private static String numbers(int n) {
    return java.util.stream.IntStream.range(0, n)
        .mapToObj(Integer::toString)
        .collect(java.util.stream.Collectors.joining(",", "[", "]"));
  }

  @Test
  void retryAfterAFatalErrorIsANewAttemptWithAFreshBudget() {
    EngineHarness h = new EngineHarness();
    TaskRef t = EngineHarness.task("  steps:\n    - name: a\n" + HTTP);
    AgentTaskStatus s = h.run(t, r -> fail(Tier.Fatal, "Unauthorized", 401, null));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    h.engine.retryFailed(s);
    AgentTaskStatus done = h.resume(t, s, r -> ok("fixed"), 10);
    assertThat(done.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(h.requests)
        .extracting(AttemptRequest::idempotencyKey)
        .containsExactly("uid-1/a/-/1", "uid-1/a/-/2");
    assertThat(Conditions.isTrue(done.conditions, Conditions.STALLED)).isFalse();
  }

  @Test
  void suspendedTaskStartsNothing() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus s =
        h.run(
            EngineHarness.task("  suspend: true\n  steps:\n    - name: a\n" + HTTP), r -> ok("x"));
    assertThat(s.phase).isEqualTo(TaskPhase.Suspended);
    assertThat(h.requests).isEmpty();
    assertThat(h.reasons()).contains("Suspended");
    AgentTaskStatus resumed =
        h.resume(EngineHarness.task("  steps:\n    - name: a\n" + HTTP), s, r -> ok("x"), 10);
    assertThat(resumed.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(h.reasons()).contains("Resumed");
  }
}
