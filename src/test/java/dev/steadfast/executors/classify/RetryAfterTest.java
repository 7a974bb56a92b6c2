package dev.steadfast.executors.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
  private final RetryAfter retryAfter =
      new RetryAfter(Clock.fixed(Instant.parse("2015-10-21T07:28:00Z"), ZoneOffset.UTC));

  private Duration of(String... namesAndValues) {
    Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      headers.put(namesAndValues[i], List.of(namesAndValues[i + 1]));
    }
    return retryAfter.from(headers);
  }

  @Test
  void retryAfterInSeconds() {
    assertThat(of("Retry-After", "120")).isEqualTo(Duration.ofSeconds(120));
    assertThat(of("retry-after", "0")).isEqualTo(Duration.ZERO);
    assertThat(of("Retry-After", "1.5")).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void retryAfterAsHttpDateIsRelativeToTheClock() {
    assertThat(of("Retry-After", "Wed, 21 Oct 2015 07:28:30 GMT"))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(of("Retry-After", "Wed, 21 Oct 2015 07:00:00 GMT")).isEqualTo(Duration.ZERO);
  }

  @Test
  void openAiResetHeadersAreGoDurationsOrSeconds() {
    assertThat(of("x-ratelimit-reset-requests", "1s")).isEqualTo(Duration.ofSeconds(1));
    assertThat(of("x-ratelimit-reset-tokens", "6m0s")).isEqualTo(Duration.ofMinutes(6));
    assertThat(of("x-ratelimit-reset-tokens", "20ms")).isEqualTo(Duration.ofMillis(20));
    assertThat(of("x-ratelimit-reset-requests", "7.66s")).isEqualTo(Duration.ofMillis(7660));
    assertThat(of("X-RateLimit-Reset-Requests", "3")).isEqualTo(Duration.ofSeconds(3));
    assertThat(of("x-ratelimit-reset-input-tokens", "12s")).isEqualTo(Duration.ofSeconds(12));
  }

  @Test
  void anthropicResetHeadersAreInstants() {
    assertThat(of("anthropic-ratelimit-requests-reset", "2015-10-21T07:28:45Z"))
        .isEqualTo(Duration.ofSeconds(45));
    assertThat(of("anthropic-ratelimit-tokens-reset", "2015-10-21T09:29:00+02:00"))
        .isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void theLargestWaitWins() {
    assertThat(
            of(
                "Retry-After", "5",
                "x-ratelimit-reset-requests", "20ms",
                "x-ratelimit-reset-tokens", "1m30s",
                "anthropic-ratelimit-tokens-reset", "2015-10-21T07:28:10Z"))
        .isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void nothingUsableIsNull() {
    assertThat(of()).isNull();
    assertThat(of("Retry-After", "soon", "x-ratelimit-reset-tokens", "-1s")).isNull();
    assertThat(of("anthropic-ratelimit-requests-reset", "tomorrow")).isNull();
    assertThat(retryAfter.from(null)).isNull();
  }
}
