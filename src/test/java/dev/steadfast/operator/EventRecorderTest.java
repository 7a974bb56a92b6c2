package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.tuple;

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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class EventRecorderTest {
  static KubernetesClient client;

  MutableClock clock = new MutableClock(Instant.parse("2025-03-01T10:00:00.250Z"));
  EventRecorder recorder;

  @BeforeEach
  void setUp() {
    client.v1().events().inNamespace("team-a").delete();
    recorder = new EventRecorder(client, clock);
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

  List<Event> events() {
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
    client.v1().events().inNamespace("team-a").delete();
    clock.advance(Duration.ofHours(2));
    recorder.record(task("t"), e);

    assertThat(events()).singleElement().satisfies(ev -> assertThat(ev.getCount()).isEqualTo(1));
  }

  @Test
  void aRestartedRecorderTreatsANameClashAsARepeat() {
    EngineEvent e = EngineEvent.normal(EventType.StepStarted, "s", "attempt 1");
    recorder.record(task("t"), e);
    new EventRecorder(client, clock).record(task("t"), e);

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
      EventRecorder broken = new EventRecorder(unreachable, clock);
      assertThatCode(
              () -> broken.record(task("t"), EngineEvent.normal(EventType.StepStarted, "s", "m")))
          .doesNotThrowAnyException();
      assertThatCode(() -> broken.record(new AgentTask(), null)).doesNotThrowAnyException();
    }
  }
}
