package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.EngineEvent;
import dev.steadfast.engine.EventType;
import dev.steadfast.engine.MutableClock;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class EventRecorderTest {
  static KubernetesClient client;
  static KubernetesMockServer server;

  static final EventRecorder.Settings FAST =
      new EventRecorder.Settings(Duration.ofMillis(20), 4096, 4, 25, Duration.ofSeconds(2));

  MutableClock clock = new MutableClock(Instant.parse("2025-03-01T10:00:00.250Z"));
  EventRecorder recorder;

  @BeforeEach
  void setUp() {
    client.v1().events().inNamespace("team-a").delete();
    recorder = new EventRecorder(client, clock, FAST);
  }

  @AfterEach
  void tearDown() {
    recorder.close(Duration.ofSeconds(5));
  }

  static AgentTask task(String name) {
    AgentTask task = new AgentTask();
    task.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("team-a")
            .withUid("uid-" + name)
            .build());
    return task;
  }

  /** What the API server holds once the recorder has sent what it was given. */
  List<Event> events() {
    assertThat(recorder.flush(Duration.ofSeconds(10))).isTrue();
    return client.v1().events().inNamespace("team-a").list().getItems();
  }

  @Test
  void createsAnEventAboutTheTask() {
    recorder.record(
        task("digest"), EngineEvent.normal(EventType.StepStarted, "fetch", "attempt 1"));

    assertThat(events()).hasSize(1);
    Event e = events().get(0);
    assertThat(e.getMetadata().getName()).matches("digest\\.[0-9a-f]{16}");
    assertThat(e.getInvolvedObject().getApiVersion()).isEqualTo("steadfast.dev/v1alpha1");
    assertThat(e.getInvolvedObject().getKind()).isEqualTo("AgentTask");
    assertThat(e.getInvolvedObject().getName()).isEqualTo("digest");
    assertThat(e.getInvolvedObject().getNamespace()).isEqualTo("team-a");
    assertThat(e.getInvolvedObject().getUid()).isEqualTo("uid-digest");
    assertThat(e.getType()).isEqualTo("Normal");
    assertThat(e.getReason()).isEqualTo("StepStarted");
    assertThat(e.getMessage()).isEqualTo("fetch: attempt 1");
    assertThat(e.getSource().getComponent()).isEqualTo("steadfast-operator");
    assertThat(e.getReportingComponent()).isEqualTo("steadfast.dev/operator");
    assertThat(e.getFirstTimestamp()).isEqualTo("2025-03-01T10:00:00Z");
    assertThat(e.getLastTimestamp()).isEqualTo("2025-03-01T10:00:00Z");
    assertThat(e.getCount()).isEqualTo(1);
  }

  @Test
  void failuresAreWarningsAndTaskLevelEventsHaveNoStepPrefix() {
    recorder.record(
        task("t"), EngineEvent.warning(EventType.StepFailed, "call", "Unauthorized (401)"));
    recorder.record(
        task("t"), EngineEvent.normal(EventType.Succeeded, null, "all 3 steps succeeded"));

    assertThat(events())
        .extracting(Event::getType, Event::getReason, Event::getMessage)
        .containsExactlyInAnyOrder(
            tuple("Warning", "StepFailed", "call: Unauthorized (401)"),
            tuple("Normal", "Succeeded", "all 3 steps succeeded"));
  }

  @Test
  void retriesThatDifferOnlyInNumbersShareOneEventWithTheLatestMessage() {
    recorder.record(
        task("t"),
        EngineEvent.warning(EventType.StepRetrying, "s", "RateLimited (429), retry 2/5 in 1s"));
    clock.advance(Duration.ofSeconds(5));
    recorder.record(
        task("t"),
        EngineEvent.warning(EventType.StepRetrying, "s", "RateLimited (429), retry 3/5 in 2s"));

    assertThat(events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getCount()).isEqualTo(2);
              assertThat(e.getMessage()).isEqualTo("s: RateLimited (429), retry 3/5 in 2s");
            });
  }

  @Test
  void aRepeatBumpsCountAndLastTimestamp() {
    EngineEvent retrying = EngineEvent.warning(EventType.StepRetrying, "s", "RateLimited (429)");
    recorder.record(task("t"), retrying);
    clock.advance(Duration.ofSeconds(30));
    recorder.record(task("t"), retrying);
    clock.advance(Duration.ofSeconds(30));
    recorder.record(task("t"), retrying);

    assertThat(events()).hasSize(1);
    Event e = events().get(0);
    assertThat(e.getCount()).isEqualTo(3);
    assertThat(e.getFirstTimestamp()).isEqualTo("2025-03-01T10:00:00Z");
    assertThat(e.getLastTimestamp()).isEqualTo("2025-03-01T10:01:00Z");
  }

  @Test
  void differentMessagesTypesOrTasksAreDifferentEvents() {
    recorder.record(
        task("t"), EngineEvent.warning(EventType.StepRetrying, "s", "RateLimited (429)"));
    recorder.record(
        task("t"), EngineEvent.warning(EventType.StepRetrying, "s", "ServerError (500)"));
    recorder.record(
        task("t"), EngineEvent.normal(EventType.StepRetrying, "s", "RateLimited (429)"));
    recorder.record(
        task("u"), EngineEvent.warning(EventType.StepRetrying, "s", "RateLimited (429)"));

    assertThat(events()).hasSize(4).allSatisfy(e -> assertThat(e.getCount()).isEqualTo(1));
  }

  @Test
  void anExpiredEventIsWrittenAgain() {
    EngineEvent e = EngineEvent.normal(EventType.StepStarted, "s", "attempt 1");
    recorder.record(task("t"), e);
    assertThat(recorder.flush(Duration.ofSeconds(10))).isTrue();
    client.v1().events().inNamespace("team-a").delete();
    clock.advance(Duration.ofHours(2));
    recorder.record(task("t"), e);

    assertThat(events()).singleElement().satisfies(ev -> assertThat(ev.getCount()).isEqualTo(1));
  }

  @Test
  void aRestartedRecorderTreatsANameClashAsARepeat() {
    EngineEvent e = EngineEvent.normal(EventType.StepStarted, "s", "attempt 1");
    recorder.record(task("t"), e);
    assertThat(recorder.flush(Duration.ofSeconds(10))).isTrue();
    try (EventRecorder restarted = new EventRecorder(client, clock, FAST)) {
      restarted.record(task("t"), e);
      assertThat(restarted.flush(Duration.ofSeconds(10))).isTrue();
    }

    assertThat(events()).singleElement().satisfies(ev -> assertThat(ev.getCount()).isEqualTo(2));
  }

  @Test
  void messagesAreCutToOneKibOfUtf8WithoutSplittingACharacter() {
    String body = "é€😀".repeat(200); // 2 + 3 + 4 bytes each, 1800 bytes in all
    recorder.record(task("t"), EngineEvent.warning(EventType.StepFailed, "step", body));

    String message = events().get(0).getMessage();
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    assertThat(bytes.length).isLessThanOrEqualTo(1024).isGreaterThan(1000);
    assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo(message);
    assertThat(message).startsWith("step: é€😀").endsWith("…");
    assertThat(message.codePoints()).doesNotContain(0xFFFD);
  }

  @Test
  void namesStayWithinTheApiServersLimit() {
    String longName = "a".repeat(235) + "-" + "b".repeat(12);
    String name = EventRecorder.eventName(longName, "key", "2025-03-01T10:00:00Z");

    assertThat(name).hasSizeLessThanOrEqualTo(253).matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    assertThat(name).doesNotContain("-.");
    assertThat(EventRecorder.eventName("t", "key", "2025-03-01T10:00:00Z"))
        .isEqualTo(EventRecorder.eventName("t", "key", "2025-03-01T10:00:00Z"))
        .isNotEqualTo(EventRecorder.eventName("t", "key", "2025-03-01T10:00:01Z"));
  }

  @Test
  void apiErrorsAreSwallowed() {
    try (KubernetesClient unreachable =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:1")
                    .withRequestRetryBackoffLimit(0)
                    .withConnectionTimeout(1000)
                    .withRequestTimeout(1000)
                    .build())
            .build()) {
      try (EventRecorder broken = new EventRecorder(unreachable, clock, FAST)) {
        assertThatCode(
                () -> broken.record(task("t"), EngineEvent.normal(EventType.StepStarted, "s", "m")))
            .doesNotThrowAnyException();
        assertThatCode(() -> broken.record(new AgentTask(), null)).doesNotThrowAnyException();
        assertThat(broken.flush(Duration.ofSeconds(10))).isTrue();
      }
    }
  }

  @Test
  void eachStepsStartIsItsOwnEvent() {
    recorder.record(task("t"), EngineEvent.normal(EventType.StepStarted, "s1", "llm"));
    recorder.record(task("t"), EngineEvent.normal(EventType.StepStarted, "s2", "llm"));
    recorder.record(task("t"), EngineEvent.normal(EventType.StepStarted, "fetch2", "http"));

    assertThat(events())
        .extracting(Event::getMessage, Event::getCount)
        .containsExactlyInAnyOrder(
            tuple("s1: llm", 1), tuple("s2: llm", 1), tuple("fetch2: http", 1));
  }

  @Test
  void digitsInsideANameAreNotFoldedButStandaloneNumbersAre() {
    recorder.record(
        task("t"), EngineEvent.normal(EventType.AgentIteration, "a", "model asked for gpt4tool"));
    recorder.record(
        task("t"), EngineEvent.normal(EventType.AgentIteration, "a", "model asked for gpt5tool"));
    recorder.record(task("t"), EngineEvent.warning(EventType.StepRetrying, "s", "retry 2/5 in 1s"));
    recorder.record(task("t"), EngineEvent.warning(EventType.StepRetrying, "s", "retry 3/5 in 2s"));

    assertThat(events())
        .extracting(Event::getMessage, Event::getCount)
        .containsExactlyInAnyOrder(
            tuple("a: model asked for gpt4tool", 1),
            tuple("a: model asked for gpt5tool", 1),
            tuple("s: retry 3/5 in 2s", 2));
  }

  @Test
  void repeatsArePatchedWithoutAGetAndCoalescedWithinAWindow() throws Exception {
    drain();
    EngineEvent retrying = EngineEvent.warning(EventType.StepRetrying, "s", "RateLimited (429)");
    recorder.record(task("t"), retrying);
    assertThat(recorder.flush(Duration.ofSeconds(10))).isTrue();
    List<RecordedRequest> before = drain();
    assertThat(before).extracting(RecordedRequest::getMethod).containsExactly("POST");

    // Three repeats recorded at once: one PATCH carries all three.
    clock.advance(Duration.ofSeconds(10));
    recorder.record(task("t"), retrying);
    recorder.record(task("t"), retrying);
    recorder.record(task("t"), retrying);
    assertThat(recorder.flush(Duration.ofSeconds(10))).isTrue();
    List<RecordedRequest> repeats = drain();

    assertThat(repeats).extracting(RecordedRequest::getMethod).containsExactly("PATCH");
    assertThat(repeats.get(0).getPath()).contains("/events/");
    assertThat(repeats.get(0).getHeader("Content-Type")).contains("merge-patch");
    assertThat(events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getCount()).isEqualTo(4);
              assertThat(e.getLastTimestamp()).isEqualTo("2025-03-01T10:00:10Z");
            });
  }

  @Test
  void recordingReturnsAtOnceWhileTheApiServerHangsAndClosingWaitsOnlyAsLongAsAllowed()
      throws Exception {
    // A loopback socket that never answers: every request hangs until its timeout.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        KubernetesClient hanging =
            new KubernetesClientBuilder()
                .withConfig(
                    new ConfigBuilder()
                        .withMasterUrl("http://127.0.0.1:" + silent.getLocalPort())
                        .withRequestRetryBackoffLimit(0)
                        .withRequestTimeout(60_000)
                        .build())
                .build()) {
      EventRecorder stuck = new EventRecorder(hanging, clock, FAST);
      long started = System.nanoTime();
      for (int i = 0; i < 200; i++) {
        stuck.record(task("t" + i), EngineEvent.normal(EventType.StepStarted, "s", "llm"));
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
      assertThat(stuck.flush(Duration.ofMillis(300))).isFalse();

      started = System.nanoTime();
      stuck.close(Duration.ofMillis(500));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void oneHotTaskIsRateLimitedAndOthersAreNot() {
    for (int i = 0; i < 40; i++) {
      recorder.record(
          task("hot"),
          EngineEvent.normal(
              EventType.StepStarted, "step-" + (char) ('a' + i % 26) + i / 26, "llm"));
    }
    recorder.record(task("calm"), EngineEvent.normal(EventType.StepStarted, "s", "llm"));

    List<Event> all = events();
    assertThat(all).filteredOn(e -> e.getInvolvedObject().getName().equals("hot")).hasSize(25);
    assertThat(all).filteredOn(e -> e.getInvolvedObject().getName().equals("calm")).hasSize(1);
    assertThat(recorder.droppedRateLimited()).isEqualTo(15);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    EventRecorder.bindMetrics(recorder, registry);
    assertThat(registry.scrape())
        .contains("steadfast_events_dropped_total{why=\"rate_limited\"} 15.0")
        .contains("steadfast_events_dropped_total{why=\"queue_full\"} 0.0");

    // The bucket refills: one more event every two seconds.
    clock.advance(Duration.ofSeconds(4));
    recorder.record(task("hot"), EngineEvent.normal(EventType.StepStarted, "late1", "llm"));
    recorder.record(task("hot"), EngineEvent.normal(EventType.StepStarted, "late2", "llm"));
    recorder.record(task("hot"), EngineEvent.normal(EventType.StepStarted, "late3", "llm"));
    assertThat(events()).filteredOn(e -> e.getInvolvedObject().getName().equals("hot")).hasSize(27);
  }

  @Test
  void aFullQueueDropsTheOldestAndCountsIt() {
    try (EventRecorder small =
        new EventRecorder(
            client,
            clock,
            new EventRecorder.Settings(Duration.ofSeconds(30), 2, 1, 25, Duration.ofSeconds(2)))) {
      small.record(task("t"), EngineEvent.normal(EventType.StepStarted, "a", "llm"));
      small.record(task("t"), EngineEvent.normal(EventType.StepStarted, "b", "llm"));
      small.record(task("t"), EngineEvent.normal(EventType.StepStarted, "c", "llm"));
      small.close(Duration.ofSeconds(10));
      assertThat(small.droppedQueueFull()).isEqualTo(1);
    }
    assertThat(events())
        .extracting(Event::getMessage)
        .containsExactlyInAnyOrder("b: llm", "c: llm");
  }

  @Test
  void closingSendsWhatIsQueuedWithoutWaitingForTheWindow() {
    EventRecorder slowWindow =
        new EventRecorder(
            client,
            clock,
            new EventRecorder.Settings(Duration.ofMinutes(10), 4096, 4, 25, Duration.ofSeconds(2)));
    slowWindow.record(task("t"), EngineEvent.normal(EventType.StepSucceeded, "last", "done"));
    slowWindow.record(task("t"), EngineEvent.normal(EventType.Succeeded, null, "all 1 steps"));
    long started = System.nanoTime();
    slowWindow.close(Duration.ofSeconds(10));

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(events())
        .extracting(Event::getReason)
        .containsExactlyInAnyOrder("StepSucceeded", "Succeeded");
    // Stopped: later events are ignored, not queued forever.
    slowWindow.record(task("t"), EngineEvent.normal(EventType.StepStarted, "x", "llm"));
    assertThat(events()).hasSize(2);
  }

  // As in the operator: a step's ordinary progress is held a second to be folded into what follows.
  static final EventRecorder.Settings HOLD =
      new EventRecorder.Settings(
          Duration.ofMillis(20), 4096, 4, 25, Duration.ofSeconds(2), Duration.ofSeconds(1));

  List<Event> sent() {
    return client.v1().events().inNamespace("team-a").list().getItems();
  }

  @Test
  void aFastStepIsOneEventThatSaysWhenItStarted() {
    try (EventRecorder holding = new EventRecorder(client, clock, HOLD)) {
      holding.record(task("t"), EngineEvent.normal(EventType.StepStarted, "s1", "llm"));
      clock.advance(Duration.ofMillis(420));
      holding.record(task("t"), EngineEvent.normal(EventType.StepSucceeded, "s1", "succeeded"));
      assertThat(holding.flush(Duration.ofSeconds(10))).isTrue();
    }

    assertThat(sent())
        .extracting(Event::getReason, Event::getMessage, Event::getCount)
        .containsExactly(
            tuple(
                "StepSucceeded",
                "s1: succeeded (llm, started 2025-03-01T10:00:00.250Z, ran 0.42 s)",
                1));
  }

  @Test
  void aSlowStepShowsItsStartOnceTheHoldIsOverThenItsSuccess() {
    try (EventRecorder holding = new EventRecorder(client, clock, HOLD)) {
      holding.record(task("t"), EngineEvent.normal(EventType.StepStarted, "s1", "llm"));
      // Another task's event goes out: the start is still held back, not lost.
      holding.record(task("u"), EngineEvent.warning(EventType.StepFailed, "x", "Forbidden (403)"));
      await().atMost(Duration.ofSeconds(10)).until(() -> sent().size() == 1);
      assertThat(sent()).extracting(Event::getReason).containsExactly("StepFailed");

      clock.advance(Duration.ofMillis(1001));
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(sent())
                      .extracting(Event::getReason, Event::getMessage)
                      .contains(tuple("StepStarted", "s1: llm")));
      clock.advance(Duration.ofSeconds(5));
      holding.record(task("t"), EngineEvent.normal(EventType.StepSucceeded, "s1", "succeeded"));
      assertThat(holding.flush(Duration.ofSeconds(10))).isTrue();
    }

    assertThat(sent())
        .filteredOn(e -> e.getInvolvedObject().getName().equals("t"))
        .extracting(Event::getReason, Event::getMessage)
        .containsExactlyInAnyOrder(
            tuple("StepStarted", "s1: llm"), tuple("StepSucceeded", "s1: succeeded"));
  }

  @Test
  void warningsAreNeverHeldAndTakeInTheStartOfTheirStep() {
    try (EventRecorder holding = new EventRecorder(client, clock, HOLD)) {
      holding.record(task("t"), EngineEvent.normal(EventType.StepStarted, "s1", "http"));
      clock.advance(Duration.ofMillis(300));
      holding.record(
          task("t"), EngineEvent.warning(EventType.StepRetrying, "s1", "Timeout, retry 1/3 in 1s"));
      // Sent without anyone flushing, though the clock stands still: a Warning is not held.
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(sent())
                      .extracting(Event::getType, Event::getReason, Event::getMessage)
                      .containsExactly(
                          tuple(
                              "Warning",
                              "StepRetrying",
                              "s1: Timeout, retry 1/3 in 1s (http, started"
                                  + " 2025-03-01T10:00:00.250Z, ran 0.30 s)")));
    }
  }

  @Test
  void stepSuccessesOfOneTaskShareAnEventThatTheTasksSuccessTakesIn() {
    try (EventRecorder holding = new EventRecorder(client, clock, HOLD)) {
      holding.record(task("t"), EngineEvent.normal(EventType.StepStarted, "a", "llm"));
      clock.advance(Duration.ofMillis(100));
      holding.record(task("t"), EngineEvent.normal(EventType.StepSucceeded, "a", "succeeded"));
      holding.record(task("t"), EngineEvent.normal(EventType.StepStarted, "b", "llm"));
      clock.advance(Duration.ofMillis(200));
      holding.record(task("t"), EngineEvent.normal(EventType.StepSucceeded, "b", "succeeded"));
      holding.record(task("t"), EngineEvent.normal(EventType.Succeeded, null, "all 2 steps"));
      // A second task whose steps are not followed by its success within the hold.
      holding.record(task("u"), EngineEvent.normal(EventType.StepSucceeded, "a", "succeeded"));
      holding.record(task("u"), EngineEvent.normal(EventType.StepSucceeded, "b", "succeeded"));
      assertThat(holding.flush(Duration.ofSeconds(10))).isTrue();
    }

    assertThat(sent())
        .extracting(e -> e.getInvolvedObject().getName(), Event::getReason, Event::getMessage)
        .containsExactlyInAnyOrder(
            tuple(
                "t",
                "Succeeded",
                "all 2 steps; a: succeeded (llm, started 2025-03-01T10:00:00.250Z, ran 0.10 s);"
                    + " b: succeeded (llm, started 2025-03-01T10:00:00.350Z, ran 0.20 s)"),
            tuple("u", "StepSucceeded", "a: succeeded; b: succeeded"));
  }

  @Test
  void aQuickOneStepTaskIsOneSucceededEventThatSaysWhatTheStepDid() throws Exception {
    drain();
    try (EventRecorder holding = new EventRecorder(client, clock, HOLD)) {
      holding.record(task("t"), EngineEvent.normal(EventType.StepStarted, "summarize", "llm"));
      clock.advance(Duration.ofMillis(420));
      holding.record(
          task("t"), EngineEvent.normal(EventType.StepSucceeded, "summarize", "succeeded"));
      holding.record(
          task("t"), EngineEvent.normal(EventType.Succeeded, null, "all 1 steps finished"));
      // Sent without anyone flushing, though the clock stands still: nothing is held any more.
      await().atMost(Duration.ofSeconds(10)).until(() -> sent().size() == 1);
      assertThat(holding.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(holding.requests()).isEqualTo(1);
      assertThat(holding.droppedRateLimited()).isZero();
    }

    assertThat(drain())
        .extracting(RecordedRequest::getMethod)
        .filteredOn(method -> !method.equals("GET")) // this test's own reads
        .containsExactly("POST");
    assertThat(sent())
        .extracting(Event::getType, Event::getReason, Event::getMessage, Event::getCount)
        .containsExactly(
            tuple(
                "Normal",
                "Succeeded",
                "all 1 steps finished; summarize: succeeded (llm, started"
                    + " 2025-03-01T10:00:00.250Z, ran 0.42 s)",
                1));
  }

  @Test
  void aSuccessTooLongToFoldIsSentAheadOfTheTasksSucceeded() {
    String long1 = "succeeded " + "x".repeat(600);
    String long2 = "all 1 steps finished " + "y".repeat(500);
    try (EventRecorder holding = new EventRecorder(client, clock, HOLD)) {
      holding.record(task("t"), EngineEvent.normal(EventType.StepSucceeded, "s1", long1));
      holding.record(task("t"), EngineEvent.normal(EventType.Succeeded, null, long2));
      // Both go out at once, the clock standing still: the task's end releases what it held.
      await().atMost(Duration.ofSeconds(10)).until(() -> sent().size() == 2);
    }

    assertThat(sent())
        .extracting(Event::getReason, Event::getMessage)
        .containsExactlyInAnyOrder(
            tuple("StepSucceeded", "s1: " + long1), tuple("Succeeded", long2));
  }

  @Test
  void aTasksFailureOrSuspensionFoldsNothing() {
    try (EventRecorder holding = new EventRecorder(client, clock, HOLD)) {
      holding.record(task("t"), EngineEvent.normal(EventType.StepSucceeded, "a", "succeeded"));
      holding.record(task("t"), EngineEvent.warning(EventType.Failed, null, "b: Forbidden (403)"));
      holding.record(task("u"), EngineEvent.normal(EventType.StepSucceeded, "a", "succeeded"));
      holding.record(task("u"), EngineEvent.normal(EventType.Suspended, null, "suspended at b"));
      await().atMost(Duration.ofSeconds(10)).until(() -> sent().size() == 4);
    }

    assertThat(sent())
        .extracting(
            e -> e.getInvolvedObject().getName(),
            Event::getType,
            Event::getReason,
            Event::getMessage)
        .containsExactlyInAnyOrder(
            tuple("t", "Normal", "StepSucceeded", "a: succeeded"),
            tuple("t", "Warning", "Failed", "b: Forbidden (403)"),
            tuple("u", "Normal", "StepSucceeded", "a: succeeded"),
            tuple("u", "Normal", "Suspended", "suspended at b"));
  }

  @Test
  void aFoldedSucceededCostsOneTokenAndALaterSucceededLeavesItAsItWas() {
    // A burst of one: the held success takes the token, the Succeeded that takes it in gives it
    // back.
    EventRecorder.Settings one =
        new EventRecorder.Settings(
            Duration.ofMillis(20), 4096, 4, 1, Duration.ofSeconds(2), Duration.ofSeconds(1));
    try (EventRecorder holding = new EventRecorder(client, clock, one)) {
      holding.record(task("t"), EngineEvent.normal(EventType.StepSucceeded, "a", "succeeded"));
      holding.record(task("t"), EngineEvent.normal(EventType.Succeeded, null, "all 1 steps"));
      assertThat(holding.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(holding.droppedRateLimited()).isZero();
      // The bucket is empty now: the next event of the task is refused, as without folding.
      holding.record(task("t"), EngineEvent.warning(EventType.StepRetrying, "b", "Timeout"));
      assertThat(holding.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(holding.droppedRateLimited()).isEqualTo(1);

      // The task runs again (its spec changed) and succeeds without holding anything.
      clock.advance(Duration.ofSeconds(10));
      holding.record(task("t"), EngineEvent.normal(EventType.Succeeded, null, "all 1 steps"));
      assertThat(holding.flush(Duration.ofSeconds(10))).isTrue();
    }

    assertThat(sent())
        .extracting(Event::getReason, Event::getMessage, Event::getCount)
        .containsExactlyInAnyOrder(
            tuple("Succeeded", "all 1 steps; a: succeeded", 1),
            tuple("Succeeded", "all 1 steps", 1));
  }

  @Test
  void aTasksFailureLeavesItsStepSuccessesTheirOwnEvent() {
    try (EventRecorder holding = new EventRecorder(client, clock, HOLD)) {
      holding.record(task("t"), EngineEvent.normal(EventType.StepSucceeded, "a", "succeeded"));
      holding.record(task("t"), EngineEvent.warning(EventType.StepFailed, "b", "Fatal: 401"));
      holding.record(task("t"), EngineEvent.warning(EventType.Failed, null, "step b failed"));
      assertThat(holding.flush(Duration.ofSeconds(10))).isTrue();
    }

    assertThat(sent())
        .extracting(Event::getReason)
        .containsExactlyInAnyOrder("StepSucceeded", "StepFailed", "Failed");
  }

  List<RecordedRequest> drain() throws InterruptedException {
    List<RecordedRequest> out = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
      if (r.getPath().contains("/events")) {
        out.add(r);
      }
    }
    return out;
  }
}
