package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A held "started" status is written when its bound is reached, through a reconcile its own timer
 * asks for, and only when nothing wrote it or works on it by then.
 */
class DeferredStartsTest {
  private final List<String> reconciled = new CopyOnWriteArrayList<>();
  private final Clock clock = Clock.systemUTC();
  private final DeferredStarts deferred =
      new DeferredStarts(clock, id -> reconciled.add(id.getName()));

  @Test
  void aHeldStatusAsksForItsReconcileWhenDue() {
    AgentTask task = task("a");
    deferred.hold(task, running(), soon(50));

    await().atMost(Duration.ofSeconds(10)).until(() -> reconciled.contains("a"));
    assertThat(deferred.resume(task)).as("still held until written").isNotNull();
  }

  @Test
  void aStatusWrittenBeforeItsBoundAsksForNothing() {
    AgentTask written = task("written");
    deferred.hold(written, running(), soon(20));
    deferred.drop(written); // the answer's reconcile wrote it

    // One timer thread, in order of due: once the later one fired, the earlier one would have.
    deferred.hold(task("later"), running(), soon(200));
    await().atMost(Duration.ofSeconds(10)).until(() -> reconciled.contains("later"));
    assertThat(reconciled).containsExactly("later");
  }

  @Test
  void aReconcileWorkingOnTheStatusAtItsBoundIsNotRepeatedButItsNewHoldIsTimed() {
    AgentTask task = task("busy");
    deferred.hold(task, running(), soon(20));
    assertThat(deferred.resume(task)).isNotNull(); // a reconcile took it up, and is still running

    deferred.hold(task("later"), running(), soon(200));
    await().atMost(Duration.ofSeconds(10)).until(() -> reconciled.contains("later"));
    assertThat(reconciled).containsExactly("later");

    // that reconcile held it again (nothing answered yet): the new bound is timed
    deferred.hold(task, running(), soon(20));
    await().atMost(Duration.ofSeconds(10)).until(() -> reconciled.contains("busy"));
    assertThat(reconciled).containsExactly("later", "busy");
  }

  private Instant soon(long millis) {
    return clock.instant().plusMillis(millis);
  }

  private static AgentTask task(String name) {
    AgentTask t = new AgentTask();
    t.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("team-a")
            .withResourceVersion("7")
            .build());
    return t;
  }

  private static AgentTaskStatus running() {
    AgentTaskStatus s = new AgentTaskStatus();
    s.phase = TaskPhase.Running;
    return s;
  }
}
