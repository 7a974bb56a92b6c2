package dev.steadfast.executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call.HttpCall;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.llm.OutputValidator;
import dev.steadfast.executors.classify.Classifier;
import dev.steadfast.executors.egress.EgressPolicy;
import dev.steadfast.executors.egress.EgressResolver;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** docs/security.md "Bounded work": bodies are read up to --max-response-bytes, never past it. */
class ResponseLimitsTest {
  static final int LIMIT = 64 * 1024;

  private final BytesInFlight inFlight = new BytesInFlight(4L * LIMIT);
  private final HttpTransport transport =
      new HttpTransport(EgressPolicy.open(), EgressResolver.SYSTEM, LIMIT, inFlight);
  private final Classifier classifier = new Classifier(Clock.systemUTC());
  private final HttpExecutor http = new HttpExecutor(transport, new MapSecrets(), classifier);
  private FloodServer flood;

  @AfterEach
  void stop() throws Exception {
    transport.close();
    if (flood != null) {
      flood.close();
    }
  }

  @Test
  void anEndlessBodyIsReadOnlyUpToTheLimitAndFailsTheAttemptFatalOutputTooLarge() throws Exception {
    flood = new FloodServer(FloodServer.Mode.ENDLESS_CHUNKED, 200);
    long start = System.nanoTime();

    Failure f = failure(get(flood.url(), Duration.ofSeconds(30)));

    // The body never ends: only stopping at the limit ends the attempt, long before its deadline.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(f.tier()).isEqualTo(Tier.Fatal);
    assertThat(f.reason()).isEqualTo("OutputTooLarge");
    assertThat(f.message()).contains("64 KiB").contains("--max-response-bytes 65536");
    // The connection was dropped, not drained: the server stops being able to write, having got
    // no further than what the socket buffers hold.
    AtomicLong last = new AtomicLong(-1);
    await()
        .pollInterval(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(10))
        .until(() -> last.getAndSet(flood.written()) == flood.written());
    assertThat(flood.written()).isLessThan(32L * 1024 * 1024);
    assertThat(inFlight.inUse()).isZero();
  }

  @Test
  void aContentLengthOverTheLimitIsRefusedBeforeAnyOfTheBodyIsRead() throws Exception {
    flood = new FloodServer(FloodServer.Mode.DECLARES_ONE_GIB, 200);
    long start = System.nanoTime();

    Failure f = failure(get(flood.url(), Duration.ofSeconds(30)));

    // The server never sends the body it announced: waiting for it would take the whole deadline.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(f.tier()).isEqualTo(Tier.Fatal);
    assertThat(f.reason()).isEqualTo("OutputTooLarge");
    assertThat(f.message()).contains("--max-response-bytes");
    assertThat(inFlight.inUse()).isZero();
  }

  @Test
  void anErrorPageTooLongToReadIsStillTheErrorItsStatusSays() throws Exception {
    flood = new FloodServer(FloodServer.Mode.ENDLESS_CHUNKED, 503);

    Failure f = failure(get(flood.url(), Duration.ofSeconds(30)));

    assertThat(f.tier()).isEqualTo(Tier.Transient);
    assertThat(f.reason()).isEqualTo("Overloaded");
  }

  @Test
  void aModelReplyOverTheLimitFailsTheLlmAttemptFatalOutputTooLarge() throws Exception {
    flood = new FloodServer(FloodServer.Mode.ENDLESS_CHUNKED, 200);
    LlmExecutor llm =
        new LlmExecutor(
            transport, new MapSecrets().with("llm", "key", "k"), classifier, new OutputValidator());
    String endpoint = flood.url().replace("/flood", "/v1");

    Outcome outcome =
        llm.execute(
            new AttemptRequest(
                "ns",
                "k",
                Duration.ofSeconds(30),
                List.of(),
                LlmFixtures.call("openai", endpoint, false, null, LlmFixtures.MESSAGES)));

    assertThat(failure(outcome).tier()).isEqualTo(Tier.Fatal);
    assertThat(failure(outcome).reason()).isEqualTo("OutputTooLarge");
  }

  @Test
  void aBodyOfExactlyTheLimitIsRead() {
    try (StubServer stub = StubServer.start()) {
      String body = "\"" + "y".repeat(LIMIT - 2) + "\"";
      stub.respond(200, body);

      Outcome outcome = get(stub.url("/"), Duration.ofSeconds(5));

      assertThat(outcome).isInstanceOf(Outcome.Success.class);
      assertThat(((Outcome.Success) outcome).output().asText()).hasSize(LIMIT - 2);
    }
  }

  private Outcome get(String url, Duration timeout) {
    return http.execute(
        new AttemptRequest(
            "ns",
            "k",
            timeout,
            List.of(),
            new HttpCall("GET", url, Map.of(), null, null, null, "json", null)));
  }

  static Failure failure(Outcome outcome) {
    assertThat(outcome).isInstanceOf(Outcome.Failed.class);
    return ((Outcome.Failed) outcome).failure();
  }
}
