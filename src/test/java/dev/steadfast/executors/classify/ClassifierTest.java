package dev.steadfast.executors.classify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.ClassifyRule;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Redactor;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClassifierTest {
  static final String OPENAI_CONTEXT =
      "{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens.\","
          + "\"type\":\"invalid_request_error\",\"param\":\"messages\","
          + "\"code\":\"context_length_exceeded\"}}";
  static final String ANTHROPIC_CONTEXT =
      "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
          + "\"message\":\"prompt is too long: 210000 tokens > 200000 maximum\"}}";
  static final String OPENAI_QUOTA =
      "{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and"
          + " billing details.\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}";
  static final String OPENAI_RATE =
      "{\"error\":{\"message\":\"Rate limit reached for gpt-4o\",\"type\":\"requests\","
          + "\"code\":\"rate_limit_exceeded\"}}";

  private final Redactor redactor = new Redactor();
  private final Classifier classifier =
      new Classifier(Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC), redactor);

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(408, "", Tier.Transient, "ServerError"),
        Arguments.of(500, "boom", Tier.Transient, "ServerError"),
        Arguments.of(502, "", Tier.Transient, "ServerError"),
        Arguments.of(504, "", Tier.Transient, "ServerError"),
        Arguments.of(503, "", Tier.Transient, "Overloaded"),
        Arguments.of(529, "{\"type\":\"overloaded_error\"}", Tier.Transient, "Overloaded"),
        Arguments.of(429, OPENAI_RATE, Tier.Transient, "RateLimited"),
        Arguments.of(429, OPENAI_QUOTA, Tier.Fatal, "QuotaExhausted"),
        Arguments.of(429, "You exceeded your current quota", Tier.Fatal, "QuotaExhausted"),
        Arguments.of(
            429,
            "{\"error\":{\"message\":\"Your credit balance is too low to access the API\"}}",
            Tier.Fatal,
            "QuotaExhausted"),
        Arguments.of(401, "", Tier.Fatal, "Unauthorized"),
        Arguments.of(403, "", Tier.Fatal, "Forbidden"),
        Arguments.of(404, "", Tier.Fatal, "NotFound"),
        Arguments.of(410, "", Tier.Fatal, "NotFound"),
        Arguments.of(400, OPENAI_CONTEXT, Tier.Recoverable, "ContextOverflow"),
        Arguments.of(400, ANTHROPIC_CONTEXT, Tier.Recoverable, "ContextOverflow"),
        Arguments.of(413, "Too many tokens in request", Tier.Recoverable, "ContextOverflow"),
        Arguments.of(
            400, "exceeds the model's context window", Tier.Recoverable, "ContextOverflow"),
        Arguments.of(400, "{\"error\":\"bad field\"}", Tier.Recoverable, "InvalidRequest"),
        Arguments.of(413, "payload too large", Tier.Recoverable, "InvalidRequest"),
        Arguments.of(422, "", Tier.Recoverable, "InvalidRequest"),
        Arguments.of(418, "", Tier.Recoverable, "InvalidRequest"),
        // context words outside 400/413 do not make an overflow
        Arguments.of(422, OPENAI_CONTEXT, Tier.Recoverable, "InvalidRequest"),
        Arguments.of(501, "", Tier.Transient, "ServerError"),
        Arguments.of(599, "", Tier.Transient, "ServerError"));
  }

  @ParameterizedTest(name = "HTTP {0} {3}")
  @MethodSource("table")
  void builtInTable(int status, String body, Tier tier, String reason) {
    Failure failure = classifier.classify(status, Map.of(), body, List.of());

    assertThat(failure.tier()).isEqualTo(tier);
    assertThat(failure.reason()).isEqualTo(reason);
    assertThat(failure.code()).isEqualTo(status);
  }

  static Stream<Arguments> ioErrors() {
    return Stream.of(
        Arguments.of(new HttpTimeoutException("request timed out"), "Timeout"),
        Arguments.of(new HttpConnectTimeoutException("HTTP connect timed out"), "Timeout"),
        Arguments.of(new java.net.SocketTimeoutException("Read timed out"), "Timeout"),
        Arguments.of(new ConnectException(), "NetworkError"),
        Arguments.of(new IOException("wrapped", new ConnectException()), "NetworkError"),
        Arguments.of(new UnknownHostException("api.example.invalid"), "NetworkError"),
        Arguments.of(new SocketException("Connection reset"), "NetworkError"),
        Arguments.of(new IOException("HTTP/1.1 header parser received no bytes"), "NetworkError"),
        Arguments.of(new EOFException("EOF reached while reading"), "NetworkError"));
  }

  @ParameterizedTest(name = "{0} → {1}")
  @MethodSource("ioErrors")
  void ioFailuresAreTransient(Throwable error, String reason) {
    Failure failure = classifier.classify("api.example.com", error, List.of());

    assertThat(failure.tier()).isEqualTo(Tier.Transient);
    assertThat(failure.reason()).isEqualTo(reason);
    assertThat(failure.code()).isNull();
    assertThat(failure.message()).contains("api.example.com");
  }

  @Test
  void ioMessagesSayWhatHappened() {
    assertThat(classifier.classify("h", new ConnectException(), List.of()).message())
        .isEqualTo("network error calling h: connection refused");
    assertThat(classifier.classify("h", new UnknownHostException("h"), List.of()).message())
        .isEqualTo("network error calling h: DNS lookup failed for h");
    assertThat(
            classifier.classify(new HttpTimeoutException("request timed out"), List.of()).message())
        .startsWith("timeout calling the server: request timed out");
  }

  @Test
  void userRulesComeBeforeTheTable() {
    List<ClassifyRule> rules =
        List.of(
            rule(
                "response.status == 400 && response.body.contains('content_filter')",
                Tier.Fatal,
                "ContentFiltered"),
            rule("response.status == 400", Tier.Transient, "SecondRule"));

    Failure filtered =
        classifier.classify(400, Map.of(), "{\"error\":{\"code\":\"content_filter\"}}", rules);
    Failure plain = classifier.classify(400, Map.of(), "{}", rules);
    Failure other = classifier.classify(404, Map.of(), "{}", rules);

    assertThat(filtered.tier()).isEqualTo(Tier.Fatal);
    assertThat(filtered.reason()).isEqualTo("ContentFiltered");
    assertThat(filtered.code()).isEqualTo(400);
    assertThat(plain.reason()).isEqualTo("SecondRule");
    assertThat(other.reason()).isEqualTo("NotFound");
  }

  @Test
  void rulesSeeLowerCasedHeaders() {
    List<ClassifyRule> rules =
        List.of(
            rule("response.headers['x-reason'] == 'maintenance'", Tier.Transient, "Maintenance"));

    Failure failure =
        classifier.classify(403, Map.of("X-Reason", List.of("maintenance")), "", rules);

    assertThat(failure.reason()).isEqualTo("Maintenance");
  }

  @Test
  void brokenRulesAreSkipped() {
    List<ClassifyRule> rules =
        List.of(
            rule("response.status ==", Tier.Fatal, "DoesNotCompile"),
            rule("response.headers['x-missing'] == 'a'", Tier.Fatal, "MissingKey"),
            rule("response.status", Tier.Fatal, "NotABool"),
            rule("inputs.flag", Tier.Fatal, "UnboundVariable"),
            rule(null, Tier.Fatal, "NoCondition"),
            rule("response.status == 500", Tier.Recoverable, "Works"));

    assertThat(classifier.classify(500, Map.of(), "", rules).reason()).isEqualTo("Works");
    assertThat(classifier.classify(502, Map.of(), "", rules).reason()).isEqualTo("ServerError");
  }

  @Test
  void aRuleOverTheCelCostLimitIsFatalInvalidSpecNotSkipped() {
    // The body is 200,000 characters; scanning it 1,000 times is over the budget
    // (docs/security.md).
    String rule = "[" + "0, ".repeat(999) + "0].all(i, !response.body.contains('needle'))";
    List<ClassifyRule> rules =
        List.of(
            rule(rule, Tier.Transient, "Expensive"),
            rule("response.status == 500", Tier.Recoverable, "Works"));

    Failure failure = classifier.classify(500, Map.of(), "x".repeat(200_000), rules);
    assertThat(failure.tier()).isEqualTo(Tier.Fatal);
    assertThat(failure.reason()).isEqualTo("InvalidSpec");
    assertThat(failure.message()).contains("classify rule", "exceeded the CEL cost limit");
    Failure io = classifier.classify(new ConnectException(), List.of(rule(rule, null, null)));
    assertThat(io.reason()).isEqualTo("NetworkError"); // incomplete rules are never evaluated
  }

  @Test
  void rulesSeeTheErrorOfAnIoFailure() {
    List<ClassifyRule> rules =
        List.of(
            rule("error.kind == 'timeout' && response.status == 0", Tier.Fatal, "TooSlow"),
            rule(
                "error.kind == 'network' && error.message.contains('refused')",
                Tier.Recoverable,
                "Down"));

    assertThat(classifier.classify(new HttpTimeoutException("x"), rules).reason())
        .isEqualTo("TooSlow");
    assertThat(classifier.classify(new ConnectException(), rules).reason()).isEqualTo("Down");
    assertThat(classifier.classify(new EOFException(), rules).reason()).isEqualTo("NetworkError");
  }

  @Test
  void retryAfterIsReportedForAnyTier() {
    Failure limited =
        classifier.classify(429, Map.of("Retry-After", List.of("7")), OPENAI_RATE, List.of());
    Failure overloaded =
        classifier.classify(503, Map.of("retry-after", List.of("2")), "", List.of());
    Failure none = classifier.classify(429, Map.of(), "", List.of());

    assertThat(limited.retryAfter()).hasSeconds(7);
    assertThat(overloaded.retryAfter()).hasSeconds(2);
    assertThat(none.retryAfter()).isNull();
  }

  @Test
  void messagesNameTheHostAndCarryAtMostOneKibOfTheBody() {
    String body = "x".repeat(5000);

    Failure failure = classifier.classify("api.example.com", 500, Map.of(), body, List.of());

    assertThat(failure.message()).startsWith("HTTP 500 from api.example.com: xxx");
    String excerpt = failure.message().substring("HTTP 500 from api.example.com: ".length());
    assertThat(excerpt.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(1024);
  }

  @Test
  void messagesNeverCarryHeaderValuesOrRegisteredSecrets() {
    redactor.register("sk-live-0123456789");
    Map<String, List<String>> headers =
        Map.of(
            "Set-Cookie", List.of("session=abcdef123456"),
            "WWW-Authenticate", List.of("Bearer realm=secret-realm"));

    Failure failure =
        classifier.classify(
            401, headers, "{\"error\":\"invalid key sk-live-0123456789\"}", List.of());

    assertThat(failure.message())
        .contains("[REDACTED]")
        .doesNotContain("sk-live-0123456789", "abcdef123456", "secret-realm");
  }

  @Test
  void aSecretAtTheOneKibCutIsNotLeakedInPart() {
    String secret = "canary-s3cr3t-value";
    redactor.register(secret);
    String body = "y".repeat(1015) + secret + "tail";

    Failure failure = classifier.classify(500, Map.of(), body, List.of());

    assertThat(failure.message()).doesNotContain("canary");
  }

  private static ClassifyRule rule(String when, Tier tier, String reason) {
    ClassifyRule rule = new ClassifyRule();
    rule.when = when;
    rule.tier = tier;
    rule.reason = reason;
    return rule;
  }
}
