package dev.steadfast.executors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call.HttpCall;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.executors.classify.Classifier;
import dev.steadfast.executors.egress.EgressPolicy;
import dev.steadfast.executors.egress.EgressResolver;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** docs/security.md: the memory for bodies in flight is bounded however many attempts run. */
class BytesInFlightTest {
  static final int BODY = 48 * 1024;
  static final int LIMIT = 64 * 1024;
  static final long BUDGET = 128 * 1024;

  private final BytesInFlight inFlight = new BytesInFlight(BUDGET);
  private final HttpTransport transport =
      new HttpTransport(EgressPolicy.open(), EgressResolver.SYSTEM, LIMIT, inFlight);
  private final HttpExecutor http =
      new HttpExecutor(transport, new MapSecrets(), new Classifier(Clock.systemUTC()));
  private final StubServer stub = StubServer.start();

  @AfterEach
  void stop() {
    transport.close();
    stub.close();
  }

  @Test
  void sixteenConcurrentBodiesTogetherStayWithinTheBudgetAndAllArrive() throws Exception {
    stub.respond(200, "\"" + "z".repeat(BODY - 2) + "\"");
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      outcomes.add(pool.submit(() -> get(Duration.ofSeconds(20))));
    }
    for (Future<Outcome> o : outcomes) {
      // 16 × 48 KiB is six times the budget: the reads took turns instead of failing.
      assertThat(o.get()).isInstanceOf(Outcome.Success.class);
    }
    pool.shutdown();

    // The high-water mark is kept by the budget itself: a sampling thread starved on a loaded
    // machine missed every reservation and read 0.
    assertThat(inFlight.peakInUse()).isPositive().isLessThanOrEqualTo(BUDGET);
    assertThat(inFlight.inUse()).isZero();
    assertThat(stub.received()).hasSize(16);
  }

  @Test
  void aReadWaitsForTheBudgetUpToItsDeadlineThenFailsTransientTimeoutSayingWhy() throws Exception {
    stub.respond(200, "{\"ok\":true}");
    try (BytesInFlight.Reservation others = inFlight.reserve()) {
      others.growTo(BUDGET, System.nanoTime() + Duration.ofSeconds(1).toNanos());
      long start = System.nanoTime();

      Outcome outcome = get(Duration.ofMillis(500));

      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(Duration.ofMillis(400))
          .isLessThan(Duration.ofSeconds(5));
      Failure f = ResponseLimitsTest.failure(outcome);
      assertThat(f.tier()).isEqualTo(Tier.Transient);
      assertThat(f.reason()).isEqualTo("Timeout");
      assertThat(f.message()).contains("--max-bytes-in-flight").contains("128 KiB");
    }

    // Once the other bodies are done, the same request goes through.
    assertThat(get(Duration.ofSeconds(5))).isInstanceOf(Outcome.Success.class);
    assertThat(inFlight.inUse()).isZero();
  }

  @Test
  void aBodyLimitLargerThanTheBudgetIsRefusedAtStart() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new HttpTransport(
                    EgressPolicy.open(),
                    EgressResolver.SYSTEM,
                    LIMIT,
                    new BytesInFlight(LIMIT - 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--max-response-bytes")
        .hasMessageContaining("--max-bytes-in-flight");
  }

  private Outcome get(Duration timeout) {
    return http.execute(
        new AttemptRequest(
            "ns",
            "k",
            timeout,
            List.of(),
            new HttpCall("GET", stub.url("/"), Map.of(), null, null, null, "json", null)));
  }
}
