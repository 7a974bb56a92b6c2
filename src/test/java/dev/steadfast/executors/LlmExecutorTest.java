package dev.steadfast.executors;

import static dev.steadfast.executors.HttpExecutorTest.failure;
import static dev.steadfast.executors.LlmFixtures.CANARY;
import static dev.steadfast.executors.LlmFixtures.MESSAGES;
import static dev.steadfast.executors.LlmFixtures.SCHEMA;
import static dev.steadfast.executors.LlmFixtures.anthropic;
import static dev.steadfast.executors.LlmFixtures.call;
import static dev.steadfast.executors.LlmFixtures.openAi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.steadfast.api.SecretKeyRef;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call.LlmCall;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.executors.StubServer.Reply;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Outcomes of llm attempts: validation, classification, timeouts, secrets. */
class LlmExecutorTest {
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(5);
  private final StubServer stub = StubServer.start();
  private final LlmExecutor executor = LlmFixtures.executor();

  @AfterEach
  void stop() {
    stub.close();
  }

  @Test
  void outputFailingTheSchemaIsInvalidOutputWithTheContentKept() {
    stub.respond(200, openAi("{\"score\": \"high\"}", "stop"));

    Outcome outcome = run(call("openai", stub.url(""), true, SCHEMA, MESSAGES));

    Failure failure = failure(outcome);
    assertThat(failure.tier()).isEqualTo(Tier.Recoverable);
    assertThat(failure.reason()).isEqualTo("InvalidOutput");
    assertThat(failure.message()).contains("score");
    assertThat(((Outcome.Failed) outcome).invalidContent()).isEqualTo("{\"score\": \"high\"}");
  }

  @Test
  void aReplyOfOpeningBracketsIsInvalidOutputWithinTheStepTimeout() {
    // docs/security.md: parsing model output is linear; 200,000 "{" took 11.6 s when each was a
    // candidate.
    for (String reply : List.of("{".repeat(200_000), "Result: " + "[".repeat(200_000))) {
      stub.respond(200, openAi(reply, "stop"));

      Outcome outcome =
          assertTimeoutPreemptively(
              STEP_TIMEOUT, () -> run(call("openai", stub.url(""), true, SCHEMA, MESSAGES)));

      Failure failure = failure(outcome);
      assertThat(failure.tier()).isEqualTo(Tier.Recoverable);
      assertThat(failure.reason()).isEqualTo("InvalidOutput");
      assertThat(failure.message()).contains("not valid JSON");
    }
  }

  @Test
  void cutOffRepliesAreInvalidOutput() {
    stub.respond(200, openAi("{\"score\": ", "length"));
    Failure openAi = failure(run(call("openai", stub.url(""), true, null, MESSAGES)));

    stub.respond(200, anthropic("A long essay", "max_tokens"));
    Failure anthropic = failure(run(call("anthropic", stub.url(""), false, null, MESSAGES)));

    for (Failure failure : List.of(openAi, anthropic)) {
      assertThat(failure.reason()).isEqualTo("InvalidOutput");
      assertThat(failure.message()).contains("cut off");
    }
  }

  @Test
  void aSuccessThatIsNotTheProvidersShapeIsInvalidOutput() {
    stub.respond(200, "{\"error\":\"gateway hiccup\"}");
    Failure shape = failure(run(call("openai", stub.url(""), false, null, MESSAGES)));

    stub.respond(200, "<html>");
    Failure notJson = failure(run(call("anthropic", stub.url(""), false, null, MESSAGES)));

    for (Failure failure : List.of(shape, notJson)) {
      assertThat(failure.tier()).isEqualTo(Tier.Recoverable);
      assertThat(failure.reason()).isEqualTo("InvalidOutput");
    }
  }

  @Test
  void providerErrorsAreClassified() {
    stub.respond(429, "{\"error\":{\"code\":\"insufficient_quota\"}}");
    assertThat(failure(run(call("openai", stub.url(""), false, null, MESSAGES))).reason())
        .isEqualTo("QuotaExhausted");

    stub.respond(
        r ->
            new Reply(
                429, Map.of("retry-after", "4"), "{\"error\":{\"code\":\"rate_limit_exceeded\"}}"));
    Failure limited = failure(run(call("openai", stub.url(""), false, null, MESSAGES)));
    assertThat(limited.reason()).isEqualTo("RateLimited");
    assertThat(limited.retryAfter()).isEqualTo(Duration.ofSeconds(4));

    stub.respond(529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}");
    assertThat(failure(run(call("anthropic", stub.url(""), false, null, MESSAGES))).reason())
        .isEqualTo("Overloaded");

    stub.respond(400, "{\"error\":{\"code\":\"context_length_exceeded\"}}");
    Failure overflow = failure(run(call("openai", stub.url(""), false, null, MESSAGES)));
    assertThat(overflow.tier()).isEqualTo(Tier.Recoverable);
    assertThat(overflow.reason()).isEqualTo("ContextOverflow");
  }

  @Test
  void aHangingProviderIsATransientTimeout() {
    stub.hold();

    Outcome outcome =
        executor.execute(
            new AttemptRequest(
                "ns",
                "k",
                Duration.ofMillis(300),
                List.of(),
                call("openai", stub.url(""), false, null, MESSAGES)));

    assertThat(failure(outcome).tier()).isEqualTo(Tier.Transient);
    assertThat(failure(outcome).reason()).isEqualTo("Timeout");
  }

  @Test
  void connectionRefusedIsANetworkError() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }

    Failure failure =
        failure(run(call("anthropic", "http://127.0.0.1:" + port, false, null, MESSAGES)));

    assertThat(failure.tier()).isEqualTo(Tier.Transient);
    assertThat(failure.reason()).isEqualTo("NetworkError");
  }

  @Test
  void aMissingKeyIsFatalAndNoKeyMeansNoAuthHeader() {
    LlmCall missing =
        new LlmCall(
            "openai",
            stub.url(""),
            "m",
            new SecretKeyRef("nope", "key"),
            MESSAGES,
            null,
            null,
            false,
            null);
    Failure failure = failure(run(missing));
    assertThat(failure.tier()).isEqualTo(Tier.Fatal);
    assertThat(failure.reason()).isEqualTo("SecretNotFound");
    assertThat(failure.message()).contains("nope", "key");
    assertThat(stub.received()).isEmpty();

    stub.respond(200, openAi("ok", "stop"));
    LlmCall local =
        new LlmCall(null, stub.url(""), "llama", null, MESSAGES, null, null, false, null);
    assertThat(run(local)).isInstanceOf(Outcome.Success.class);
    assertThat(stub.last().header("Authorization")).isNull();
  }

  @Test
  void badSpecsAreFatal() {
    assertThat(failure(run(call("gemini", stub.url(""), false, null, MESSAGES))).reason())
        .isEqualTo("InvalidSpec");
    assertThat(failure(run(call("openai", null, false, null, MESSAGES))).reason())
        .isEqualTo("InvalidSpec");
    assertThat(failure(run(call("openai", "localhost:8080", false, null, MESSAGES))).reason())
        .isEqualTo("InvalidSpec");
  }

  @Test
  void canarySecretEchoedByTheProviderNeverReachesAMessage() {
    stub.respond(
        r ->
            Reply.json(
                401,
                "{\"error\":{\"message\":\"Incorrect API key provided: "
                    + (r.header("x-api-key") != null
                        ? r.header("x-api-key")
                        : r.header("Authorization"))
                    + "\"}}"));

    for (String api : List.of("openai", "anthropic")) {
      Failure failure = failure(run(call(api, stub.url(""), false, null, MESSAGES)));
      assertThat(failure.reason()).isEqualTo("Unauthorized");
      assertThat(failure.message())
          .contains("Incorrect API key", "[REDACTED]")
          .doesNotContain(CANARY);
    }

    stub.respond(200, openAi("my key is " + CANARY + " and {\"score\": \"x\"}", "stop"));
    Outcome echoed = run(call("openai", stub.url(""), true, SCHEMA, MESSAGES));
    assertThat(failure(echoed).message()).doesNotContain(CANARY);
    assertThat(((Outcome.Failed) echoed).invalidContent()).doesNotContain(CANARY);
  }

  private Outcome run(LlmCall call) {
    return executor.execute(
        new AttemptRequest("ns", "uid-1/grade/0/2", STEP_TIMEOUT, List.of(), call));
  }
}
