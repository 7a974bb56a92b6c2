package dev.steadfast.engine.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.Backoff.Jitter;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffScheduleTest {
  static BackoffSpec spec(Jitter jitter) {
    return new BackoffSpec(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30), jitter);
  }

  @Test
  void noJitterIsExponentialAndCapped() {
    var r = new SplittableRandom(1);
    assertThat(BackoffSchedule.delay(spec(Jitter.None), 1, null, r))
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(BackoffSchedule.delay(spec(Jitter.None), 2, null, r))
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(BackoffSchedule.delay(spec(Jitter.None), 5, null, r))
        .isEqualTo(Duration.ofSeconds(16));
    assertThat(BackoffSchedule.delay(spec(Jitter.None), 6, null, r))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(BackoffSchedule.delay(spec(Jitter.None), 60, null, r))
        .isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void fullJitterStaysWithinZeroAndTheExponentialOverManyAttempts() {
    var r = new SplittableRandom(2);
    for (int n = 1; n <= 200; n++) {
      long exp = Math.min(30_000, (long) (1000 * Math.pow(2, Math.min(n - 1, 30))));
      Duration d = BackoffSchedule.delay(spec(Jitter.Full), n, null, r);
      assertThat(d.toMillis()).isBetween(0L, exp);
    }
  }

  @Test
  void equalJitterKeepsAtLeastHalf() {
    var r = new SplittableRandom(3);
    long sum = 0;
    for (int i = 0; i < 1000; i++) {
      Duration d = BackoffSchedule.delay(spec(Jitter.Equal), 3, null, r);
      assertThat(d.toMillis()).isBetween(2000L, 4000L);
      sum += d.toMillis();
    }
    assertThat(sum / 1000).isBetween(2700L, 3300L); // spread over the whole range, not a constant
  }

  @Test
  void retryAfterIsHonouredUpToMaxDelay() {
    var r = new SplittableRandom(4);
    assertThat(BackoffSchedule.delay(spec(Jitter.Full), 1, Duration.ofSeconds(7), r))
        .isEqualTo(Duration.ofSeconds(7));
    assertThat(BackoffSchedule.delay(spec(Jitter.None), 1, Duration.ofMinutes(10), r))
        .isEqualTo(Duration.ofSeconds(30));
    // A short Retry-After never shortens the computed backoff.
    assertThat(BackoffSchedule.delay(spec(Jitter.None), 4, Duration.ofSeconds(1), r))
        .isEqualTo(Duration.ofSeconds(8));
  }
}
