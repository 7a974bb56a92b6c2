package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Test;

class ReconcileThreadsTest {
  @Test
  void aFoldAskedForByAnAnsweredCallRunsBeforeReconcilesQueuedEarlier() throws Exception {
    ExecutorService threads = ReconcileThreads.create(1);
    try {
      CountDownLatch busy = new CountDownLatch(1);
      List<String> ran = new CopyOnWriteArrayList<>();
      threads.execute(
          () -> {
            try {
              busy.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      threads.execute(() -> ran.add("first task's start"));
      threads.execute(() -> ran.add("second task's start"));
      ReconcileThreads.urgently(() -> threads.execute(() -> ran.add("answer to fold")));
      threads.execute(() -> ran.add("third task's start"));
      busy.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 4);
      assertThat(ran)
          .containsExactly(
              "answer to fold", "first task's start", "second task's start", "third task's start");
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aReconcileThatLeavesAnswersUnfoldedHandsItsFollowUpOverUrgently() throws Exception {
    ExecutorService threads = ReconcileThreads.create(1);
    try {
      CountDownLatch busy = new CountDownLatch(1);
      List<String> ran = new CopyOnWriteArrayList<>();
      threads.execute(
          () -> {
            try {
              busy.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            // As JOSDK does when a reconcile ends and an event arrived meanwhile: the same task
            // is handed over again, by this thread, after other tasks were queued.
            ReconcileThreads.followUpUrgently();
            threads.execute(() -> ran.add("fold of the answer that arrived meanwhile"));
          });
      threads.execute(() -> ran.add("first task's start"));
      threads.execute(
          () -> {
            ran.add("second task's start");
            // The mark ended with the work that set it: this hand-over is not urgent.
            threads.execute(() -> ran.add("second task's follow-up"));
          });
      threads.execute(() -> ran.add("third task's start"));
      busy.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 5);
      assertThat(ran)
          .containsExactly(
              "fold of the answer that arrived meanwhile",
              "first task's start",
              "second task's start",
              "third task's start",
              "second task's follow-up");
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void submittedWorkRunsToo() throws Exception {
    ExecutorService threads = ReconcileThreads.create(2);
    try {
      assertThat(threads.submit(() -> "done").get()).isEqualTo("done");
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void asManyReconcileThreadsAsSlotsBetweenJosdksFiftyAndSixtyFour() {
    assertThat(SteadfastOperator.reconcileThreads(8)).isEqualTo(50);
    assertThat(SteadfastOperator.reconcileThreads(60)).isEqualTo(60);
    assertThat(SteadfastOperator.reconcileThreads(256)).isEqualTo(64);
  }
}
