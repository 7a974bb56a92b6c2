package dev.steadfast.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProviderLimitTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00.250Z");
  private LlmSimulator sim;

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.stop();
    }
  }

  @Test
  void concurrencyIsCountedPerKeyAndFreedByAnswers() {
    ProviderLimit limit = new ProviderLimit(2, 0);

    assertThat(limit.admit("a", T0).admitted()).isTrue();
    assertThat(limit.admit("a", T0).admitted()).isTrue();
    ProviderLimit.Admission third = limit.admit("a", T0);
    assertThat(limit.admit("b", T0).admitted()).isTrue(); // another key has its own limit
    limit.release("a");
    ProviderLimit.Admission afterRelease = limit.admit("a", T0);

    assertThat(third.admitted()).isFalse();
    assertThat(third.remaining()).isZero();
    assertThat(third.reset()).isEqualTo(Duration.ofSeconds(1));
    assertThat(afterRelease.admitted()).isTrue();
  }

  @Test
  void aRateCountsEachSecondAndSaysWhenTheNextBegins() {
    ProviderLimit limit = new ProviderLimit(0, 2);

    ProviderLimit.Admission first = limit.admit("a", T0);
    ProviderLimit.Admission second = limit.admit("a", T0.plusMillis(100));
    ProviderLimit.Admission third = limit.admit("a", T0.plusMillis(200));
    ProviderLimit.Admission nextSecond = limit.admit("a", T0.plusMillis(800));

    assertThat(first.remaining()).isEqualTo(1);
    assertThat(second.remaining()).isZero();
    assertThat(third.admitted()).isFalse();
    assertThat(third.reset()).isEqualTo(Duration.ofMillis(550));
    assertThat(nextSecond.admitted()).isTrue();
  }

  @Test
  void requestsOverTheLimitGet429WithRetryAfterAndRateLimitHeadersAndAreLogged() throws Exception {
    sim = LlmSimulator.builder().limitConcurrent(2).latency(Duration.ofMillis(400)).build().start();
    SimClient client = new SimClient(sim);
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      calls.add(
          client.postAsync(
              "/v1/chat/completions",
              Requests.openAi("gpt-4o", "hi"),
              Duration.ofSeconds(10),
              "Authorization",
              "Bearer key-a"));
    }
    HttpResponse<String> otherKey =
        client.post(
            "/v1/chat/completions",
            Requests.openAi("gpt-4o", "hi"),
            "Authorization",
            "Bearer key-b");
    List<HttpResponse<String>> responses = calls.stream().map(CompletableFuture::join).toList();

    List<HttpResponse<String>> refused =
        responses.stream().filter(r -> r.statusCode() == 429).toList();
    assertThat(refused).hasSize(1);
    assertThat(refused.get(0).headers().firstValue("Retry-After")).hasValue("1");
    assertThat(refused.get(0).headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
    assertThat(refused.get(0).headers().firstValue("x-ratelimit-limit-requests")).hasValue("2");
    assertThat(responses.stream().filter(r -> r.statusCode() == 200)).hasSize(2);
    assertThat(otherKey.statusCode()).isEqualTo(200);
    assertThat(sim.requests().stream().filter(r -> r.status() == 429)).hasSize(1);

    // Once the answers are out, the key may send again.
    HttpResponse<String> later =
        client.post(
            "/v1/chat/completions",
            Requests.openAi("gpt-4o", "hi"),
            "Authorization",
            "Bearer key-a");
    assertThat(later.statusCode()).isEqualTo(200);
    assertThat(sim.describe()).contains("provider limit: 2 concurrent per API key");
  }
}
