package dev.steadfast.engine.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.engine.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EndpointLimitsTest {
  private static final EndpointKey TEAM_A = new EndpointKey("api.openai.com", "a", "openai", "key");
  private static final EndpointKey TEAM_B = new EndpointKey("api.openai.com", "b", "openai", "key");

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<Object> woken = new ArrayList<>();

  private EndpointLimits limits(int start) {
    EndpointLimits l = new EndpointLimits(clock, start);
    l.onWake(woken::add);
    return l;
  }

  private static boolean take(EndpointLimits l, EndpointKey key, String task, int n) {
    return l.tryAcquire(key, task, task, task + "/u" + n, task + "/a" + n);
  }

  @Test
  void aBurstOf429sHalvesTheLimitOnceNotOncePer429() {
    EndpointLimits l = limits(8);
    for (int i = 0; i < 8; i++) {
      assertThat(take(l, TEAM_A, "t", i)).isTrue();
    }
    clock.advance(Duration.ofSeconds(1));
    for (int i = 0; i < 8; i++) {
      l.rateLimited("t/a" + i);
    }

    assertThat(l.limitOf(TEAM_A)).isEqualTo(4);

    // A call started after that decrease that gets 429 again halves it again, down to 1 at least.
    assertThat(take(l, TEAM_A, "t", 20)).isTrue();
    clock.advance(Duration.ofSeconds(1));
    l.rateLimited("t/a20");
    assertThat(l.limitOf(TEAM_A)).isEqualTo(2);
    for (int round = 0; round < 3; round++) {
      assertThat(take(l, TEAM_A, "t", 30 + round)).isTrue();
      clock.advance(Duration.ofSeconds(1));
      l.rateLimited("t/a" + (30 + round));
    }
    assertThat(l.limitOf(TEAM_A)).isEqualTo(1);
  }

  @Test
  void aLimitsWorthOfSuccessesWhileTheLimitIsInUseRaisesItByOneUpToTheStart() {
    EndpointLimits l = limits(4);
    for (int i = 0; i < 4; i++) {
      take(l, TEAM_A, "t", i);
    }
    clock.advance(Duration.ofSeconds(1));
    l.rateLimited("t/a0"); // 4 -> 2, 3 still in flight
    l.succeeded("t/a1");
    assertThat(l.limitOf(TEAM_A)).isEqualTo(2); // one success of two needed
    l.succeeded("t/a2");
    assertThat(l.limitOf(TEAM_A)).isEqualTo(3);

    // Unused headroom is not growth: with nothing waiting and the limit not reached, no increase.
    l.succeeded("t/a3");
    assertThat(l.limitOf(TEAM_A)).isEqualTo(3);
    for (int i = 10; i < 30; i++) {
      take(l, TEAM_A, "t", i);
      take(l, TEAM_A, "t", i + 100);
      take(l, TEAM_A, "t", i + 200);
      l.succeeded("t/a" + i);
      l.succeeded("t/a" + (i + 100));
      l.succeeded("t/a" + (i + 200));
    }
    assertThat(l.limitOf(TEAM_A)).isEqualTo(4); // never above where it started
  }

  @Test
  void untilTheFirst429TheLimitDoublesPerLimitsWorthOfSuccesses() {
    EndpointLimits l = new EndpointLimits(clock, 2, 16);
    l.onWake(woken::add);
    int n = 0;
    for (int round = 0; round < 3; round++) {
      int limit = l.limitOf(TEAM_A);
      List<String> started = new ArrayList<>();
      for (int i = 0; i < limit; i++, n++) {
        assertThat(take(l, TEAM_A, "t", n)).isTrue();
        started.add("t/a" + n);
      }
      assertThat(take(l, TEAM_A, "t", 1000 + round)).isFalse(); // the limit holds
      l.planning("t", Set.copyOf(started));
      l.planned("t");
      started.forEach(l::succeeded);
    }
    assertThat(l.limitOf(TEAM_A)).isEqualTo(16); // 2 -> 4 -> 8 -> 16

    take(l, TEAM_A, "t", 5000);
    clock.advance(Duration.ofSeconds(1));
    l.rateLimited("t/a5000");
    assertThat(l.limitOf(TEAM_A)).isEqualTo(8);
    for (int i = 0; i < 8; i++) {
      take(l, TEAM_A, "t", 6000 + i);
    }
    for (int i = 0; i < 8; i++) {
      l.succeeded("t/a" + (6000 + i));
    }
    assertThat(l.limitOf(TEAM_A)).isEqualTo(9); // after the first 429: one more, not double
  }

  @Test
  void noRequestsRemainingBlocksTheKeyUntilTheReset() {
    EndpointLimits l = limits(4);
    l.remaining(TEAM_A, 0, Duration.ofSeconds(2));

    assertThat(take(l, TEAM_A, "t", 1)).isFalse();
    assertThat(l.recheckAt(TEAM_A)).isEqualTo(clock.instant().plusSeconds(2));
    assertThat(take(l, TEAM_B, "u", 1)).isTrue(); // another team's key is not blocked
    clock.advance(Duration.ofSeconds(2));
    assertThat(take(l, TEAM_A, "t", 1)).isTrue();
  }

  @Test
  void aSlotFreedWhileTheKeyIsBlockedStillWakesAWaiterSoItCanWaitForTheReset() {
    EndpointLimits l = limits(1);
    take(l, TEAM_A, "t1", 1);
    assertThat(take(l, TEAM_A, "t2", 1)).isFalse();
    assertThat(l.recheckAt(TEAM_A)).isEqualTo(clock.instant().plus(EndpointLimits.RECHECK));
    l.remaining(TEAM_A, 0, Duration.ofSeconds(1)); // the 429's reply: nothing left for 1 s

    l.rateLimited("t1/a1");

    assertThat(woken).containsExactly("t2");
    l.planning("t2", Set.of());
    assertThat(take(l, TEAM_A, "t2", 1)).isFalse();
    assertThat(l.recheckAt(TEAM_A)).isEqualTo(clock.instant().plusSeconds(1));
  }

  @Test
  void teamsWithDifferentKeysNeverShareALimit() {
    EndpointLimits l = limits(2);
    take(l, TEAM_A, "t", 1);
    take(l, TEAM_A, "t", 2);
    clock.advance(Duration.ofSeconds(1));
    l.rateLimited("t/a1");

    assertThat(l.limitOf(TEAM_A)).isEqualTo(1);
    assertThat(l.limitOf(TEAM_B)).isEqualTo(2);
    assertThat(take(l, TEAM_B, "u", 1)).isTrue();
    assertThat(take(l, TEAM_B, "u", 2)).isTrue();
  }

  @Test
  void aFreedSlotWakesTheOldestWaiterOnlyAndNewcomersQueueBehindIt() {
    EndpointLimits l = limits(1);
    assertThat(take(l, TEAM_A, "t1", 1)).isTrue();
    assertThat(take(l, TEAM_A, "t2", 1)).isFalse();
    assertThat(take(l, TEAM_A, "t3", 1)).isFalse();
    assertThat(l.waiting("t2/u1")).isTrue();
    assertThat(l.gauges()).containsExactly(new EndpointLimits.HostGauge("api.openai.com", 1, 1, 2));

    l.succeeded("t1/a1");

    assertThat(woken).containsExactly("t2"); // one slot, one wake-up, the oldest waiter
    // A newcomer does not take the slot the woken task is about to take.
    assertThat(take(l, TEAM_A, "t4", 1)).isFalse();
    l.planning("t2", Set.of());
    assertThat(take(l, TEAM_A, "t2", 1)).isTrue();
    l.planned("t2");
    assertThat(l.waiting("t2/u1")).isFalse();
    l.succeeded("t2/a1");
    assertThat(woken).containsExactly("t2", "t3");
  }

  @Test
  void slotsOfAttemptsThatNeverRanOrWhoseTaskEndedAreFreed() {
    EndpointLimits l = limits(2);
    take(l, TEAM_A, "t", 1);
    take(l, TEAM_A, "t", 2);
    l.planning("t", Set.of("t/a2")); // a1 was planned but never started (a failed status write)
    l.planned("t");
    assertThat(l.gauges().get(0).inFlight()).isEqualTo(1);

    l.forget("t");
    assertThat(l.gauges().get(0).inFlight()).isZero();
    l.succeeded("t/a2"); // an outcome after the task ended frees nothing twice
    assertThat(l.gauges().get(0).inFlight()).isZero();
  }

  @Test
  void aWaiterThatIsNoLongerAskedForStopsWaiting() {
    EndpointLimits l = limits(1);
    take(l, TEAM_A, "t1", 1);
    take(l, TEAM_A, "t2", 1);
    l.planning("t2", Set.of()); // suspended, or the unit settled otherwise: no slot asked for
    l.planned("t2");

    assertThat(l.waiting("t2/u1")).isFalse();
    l.succeeded("t1/a1");
    assertThat(woken).isEmpty();
  }

  @Test
  void aWaitIsTheProvidersOnlyOnceItLimitedTheKey() {
    EndpointLimits l = new EndpointLimits(clock, 2, 64);
    assertThat(take(l, TEAM_A, "t", 0)).isTrue();
    assertThat(take(l, TEAM_A, "t", 1)).isTrue();
    // Slow start: the limit is still probing upwards, nothing said the provider is full.
    assertThat(take(l, TEAM_A, "w", 0)).isFalse();
    assertThat(l.waitsForProvider("w/u0")).isFalse();

    clock.advance(Duration.ofSeconds(1));
    l.rateLimited("t/a0"); // a 429: the limit is the provider's now
    assertThat(l.waitsForProvider("w/u0")).isTrue();
    assertThat(l.waitsForProvider("nobody/u0")).isFalse();

    // A reply that says nothing remains blocks a key even in slow start.
    assertThat(take(l, TEAM_B, "b", 0)).isTrue();
    l.remaining(TEAM_B, 0, Duration.ofSeconds(30));
    assertThat(take(l, TEAM_B, "v", 0)).isFalse();
    assertThat(l.waitsForProvider("v/u0")).isTrue();
  }

  @Test
  void keysATenantInventsAreForgottenWhenIdleButBusyOnesAreKept() {
    EndpointLimits l = limits(8);
    // A key with a call under way and a key whose provider is blocking it survive any number of
    // newcomers; so does a limit a 429 lowered while a call of it is still running.
    assertThat(take(l, TEAM_A, "busy", 0)).isTrue();
    assertThat(take(l, TEAM_B, "blocked", 0)).isTrue();
    l.remaining(TEAM_B, 0, Duration.ofHours(1));
    l.succeeded("blocked/a0");
    for (int i = 0; i < EndpointLimits.MAX_KEYS * 2; i++) {
      EndpointKey invented = new EndpointKey("h" + i + ".example.com", "c", "s", "k");
      assertThat(take(l, invented, "t" + i, 0)).isTrue();
      l.succeeded("t" + i + "/a0");
    }
    assertThat(l.keyCount()).isLessThanOrEqualTo(EndpointLimits.MAX_KEYS);
    assertThat(l.gauges()).hasSizeLessThanOrEqualTo(EndpointLimits.MAX_KEYS);
    assertThat(l.gauges()).anySatisfy(g -> assertThat(g.host()).isEqualTo("api.openai.com"));
    // Still blocked: the reply said nothing remains for an hour.
    assertThat(take(l, TEAM_B, "after", 0)).isFalse();
    // Still counting the busy call: its slot frees when it ends.
    l.succeeded("busy/a0");
    assertThat(l.gauges().stream().filter(g -> g.host().equals("api.openai.com")).findFirst())
        .hasValueSatisfying(g -> assertThat(g.inFlight()).isZero());
  }
}
