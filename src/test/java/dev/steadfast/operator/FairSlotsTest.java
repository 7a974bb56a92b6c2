package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.Test;

/**
 * The slot scheduler, driven by hand: a thread is "started" when the scheduler hands it work, and
 * an attempt "ends" when the test runs that work. No timing involved.
 */
class FairSlotsTest {
  /** Work handed to threads, in order; running one ends its attempt and frees its slot. */
  final List<Runnable> handedOut = new ArrayList<>();

  final List<String> started = new ArrayList<>();
  final FairSlots slots = new FairSlots(4, handedOut::add);

  FutureTask<Void> attempt(String name) {
    return new FutureTask<>(() -> started.add(name), null);
  }

  /** Ends the oldest running attempt: runs the oldest work handed out not yet run. */
  void endOne() {
    handedOut.remove(0).run();
  }

  @Test
  void anotherNamespaceStartsOnTheNextFreeSlotBehind200QueuedAttempts() {
    for (int i = 0; i < 200; i++) {
      slots.submit("a", attempt("a-" + i));
    }
    slots.submit("b", attempt("b-0"));
    assertThat(handedOut).hasSize(4);
    assertThat(slots.usage())
        .containsEntry("a", new FairSlots.Usage(4, 196))
        .containsEntry("b", new FairSlots.Usage(0, 1));

    endOne(); // a-0 runs and ends; its slot is free

    assertThat(started).containsExactly("a-0");
    assertThat(slots.usage())
        .containsEntry("a", new FairSlots.Usage(3, 196))
        .containsEntry("b", new FairSlots.Usage(1, 0));
    // The next work handed to a thread is b's, not a-4.
    handedOut.get(handedOut.size() - 1).run();
    assertThat(started).containsExactly("a-0", "b-0");
  }

  @Test
  void namespacesTakeTurnsWhenAllWaitAndOrderHoldsWithinOne() {
    FairSlots one = new FairSlots(1, handedOut::add);
    for (int i = 0; i < 3; i++) {
      one.submit("a", attempt("a-" + i));
    }
    for (int i = 0; i < 3; i++) {
      one.submit("b", attempt("b-" + i));
    }
    one.submit("c", attempt("c-0"));
    while (!handedOut.isEmpty()) {
      endOne();
    }
    assertThat(started).containsExactly("a-0", "b-0", "c-0", "a-1", "b-1", "a-2", "b-2");
    assertThat(one.usage()).isEmpty();
  }

  @Test
  void aNamespaceWithFewerSlotsInUseGoesFirst() {
    for (int i = 0; i < 10; i++) {
      slots.submit("a", attempt("a-" + i));
    }
    endOne(); // a-0 ends; a-4 takes its slot (only a waits)
    for (int i = 0; i < 10; i++) {
      slots.submit("b", attempt("b-" + i));
    }
    // a holds 4 slots, b none: the next two freed slots go to b, then they alternate.
    endOne();
    endOne();
    assertThat(slots.usage().get("a").inUse()).isEqualTo(2);
    assertThat(slots.usage().get("b").inUse()).isEqualTo(2);
    endOne(); // an a ends: a has fewer in use now, so a gets it
    assertThat(slots.usage().get("a").inUse()).isEqualTo(2);
    assertThat(slots.usage().get("b").inUse()).isEqualTo(2);
  }

  @Test
  void cancelledWorkIsNotCountedNorStarted() {
    for (int i = 0; i < 5; i++) {
      slots.submit("a", attempt("a-" + i));
    }
    FutureTask<Void> b = attempt("b-0");
    slots.submit("b", b);
    b.cancel(true);
    slots.withdraw("b", b);
    assertThat(slots.usage()).containsOnlyKeys("a");

    while (!handedOut.isEmpty()) {
      endOne();
    }
    assertThat(started).containsExactly("a-0", "a-1", "a-2", "a-3", "a-4");
    assertThat(slots.usage()).isEqualTo(Map.of());
  }

  @Test
  void closingCancelsWhatWaits() {
    List<FutureTask<Void>> all = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      all.add(attempt("a-" + i));
      slots.submit("a", all.get(i));
    }
    slots.close();
    assertThat(all.subList(4, 6)).allMatch(FutureTask::isCancelled);
    assertThat(all.subList(0, 4)).noneMatch(FutureTask::isCancelled);
  }
}
