package dev.steadfast.executors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.ClassifyRule;
import dev.steadfast.api.HttpAuth;
import dev.steadfast.api.SecretKeyRef;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call.HttpCall;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import dev.steadfast.executors.StubServer.Reply;
import dev.steadfast.executors.classify.Classifier;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpExecutorTest {
  static final String CANARY = "canary-s3cr3t-value";

  private final StubServer stub = StubServer.start();
  private final MapSecrets secrets = new MapSecrets().with("api", "token", CANARY + "\n");
  private final HttpExecutor executor =
      new HttpExecutor(HttpTransport.open(), secrets, new Classifier(Clock.systemUTC()));

  @AfterEach
  void stop() {
    stub.close();
  }

  @Test
  void sendsTheRequestWithIdempotencyKeyAndBearerAuth() {
    stub.respond(200, "{\"items\":[1,2]}");

    Outcome outcome =
        run(call("POST", stub.url("/items"), "{\"q\":1}", auth(HttpAuth.Scheme.Bearer, null)));

    assertThat(outcome).isEqualTo(new Outcome.Success(Json.tree(Map.of("items", List.of(1, 2)))));
    StubServer.Received got = stub.last();
    assertThat(got.method()).isEqualTo("POST");
    assertThat(got.path()).isEqualTo("/items");
    assertThat(got.body()).isEqualTo("{\"q\":1}");
    assertThat(got.header("Content-Type")).isEqualTo("application/json");
    assertThat(got.header("Idempotency-Key")).isEqualTo("uid-1/fetch/0/1");
    assertThat(got.header("Authorization")).isEqualTo("Bearer " + CANARY);
    assertThat(got.header("X-Trace")).isEqualTo("t1");
  }

  @Test
  void basicAndHeaderSchemes() {
    secrets.with("basic", "creds", "user:pa55word");
    HttpAuth basic = auth(HttpAuth.Scheme.Basic, null);
    basic.secretRef = new SecretKeyRef("basic", "creds");

    run(call("GET", stub.url("/"), null, basic));
    String expected =
        "Basic "
            + Base64.getEncoder().encodeToString("user:pa55word".getBytes(StandardCharsets.UTF_8));
    assertThat(stub.last().header("Authorization")).isEqualTo(expected);

    run(call("GET", stub.url("/"), null, auth(HttpAuth.Scheme.Header, "X-API-Key")));
    assertThat(stub.last().header("X-API-Key")).isEqualTo(CANARY);
    assertThat(stub.last().header("Authorization")).isNull();
  }

  @Test
  void textBodiesKeepTheirContentType() {
    stub.respond(r -> new Reply(200, Map.of(), "plain answer"));
    HttpCall call =
        new HttpCall(
            "PUT",
            stub.url("/t"),
            Map.of("content-type", "text/plain"),
            "{not json",
            null,
            null,
            "text",
            null);

    Outcome outcome = run(call);

    assertThat(outcome).isEqualTo(new Outcome.Success(Json.tree("plain answer")));
    assertThat(stub.last().header("Content-Type")).isEqualTo("text/plain");
  }

  @Test
  void selectPicksTheOutputFromTheResponse() {
    stub.respond(
        r -> new Reply(200, Map.of("X-Total", "2"), "{\"data\":{\"items\":[\"a\",\"b\"]}}"));

    Outcome outcome =
        run(
            withSelect(
                "{'items': response.body.data.items, 'total': response.headers['x-total'], 'status': response.status}"));

    // CEL numbers are 64-bit, so compare values rather than Jackson node types.
    var output = ((Outcome.Success) outcome).output();
    assertThat(output.get("items")).isEqualTo(Json.tree(List.of("a", "b")));
    assertThat(output.get("total").textValue()).isEqualTo("2");
    assertThat(output.get("status").asInt()).isEqualTo(200);
  }

  @Test
  void aBrokenSelectIsAFatalSpecError() {
    stub.respond(200, "{\"data\":{}}");

    Failure failure = failure(run(withSelect("response.body.data.missing")));

    assertThat(failure.tier()).isEqualTo(Tier.Fatal);
    assertThat(failure.reason()).isEqualTo("InvalidSpec");
    assertThat(failure.message()).startsWith("output.select: ");
  }

  @Test
  void aBodyThatIsNotJsonIsTransientInvalidOutput() {
    stub.respond(r -> new Reply(200, Map.of(), "<html>oops</html>"));

    Failure failure = failure(run(call("GET", stub.url("/"), null, null)));

    // docs/errors.md: nothing can repair an http body, but the next answer may be whole.
    assertThat(failure.tier()).isEqualTo(Tier.Transient);
    assertThat(failure.reason()).isEqualTo("InvalidOutput");
  }

  @Test
  void noContentIsANullOutput() {
    stub.respond(r -> new Reply(204, Map.of(), ""));

    assertThat(run(call("DELETE", stub.url("/x"), null, null)))
        .isEqualTo(new Outcome.Success(Json.MAPPER.nullNode()));
  }

  @Test
  void successCodesDecideWhatSucceeds() {
    stub.respond(404, "{\"found\":false}");
    HttpCall call =
        new HttpCall("GET", stub.url("/"), null, null, null, List.of(200, 404), null, null);

    assertThat(run(call)).isInstanceOf(Outcome.Success.class);
  }

  @Test
  void errorStatusesAreClassified() {
    stub.respond(r -> new Reply(429, Map.of("Retry-After", "9"), "{\"error\":\"slow down\"}"));

    Failure failure = failure(run(call("GET", stub.url("/"), null, null)));

    assertThat(failure.tier()).isEqualTo(Tier.Transient);
    assertThat(failure.reason()).isEqualTo("RateLimited");
    assertThat(failure.code()).isEqualTo(429);
    assertThat(failure.retryAfter()).isEqualTo(Duration.ofSeconds(9));
    assertThat(failure.message()).isEqualTo("HTTP 429 from 127.0.0.1: {\"error\":\"slow down\"}");
  }

  @Test
  void userRulesApply() {
    stub.respond(400, "{\"error\":\"content_filter\"}");
    ClassifyRule rule = new ClassifyRule();
    rule.when = "response.status == 400 && response.body.contains('content_filter')";
    rule.tier = Tier.Fatal;
    rule.reason = "ContentFiltered";

    Outcome outcome =
        executor.execute(
            new AttemptRequest(
                "ns",
                "k",
                Duration.ofSeconds(5),
                List.of(rule),
                call("GET", stub.url("/"), null, null)));

    assertThat(failure(outcome).reason()).isEqualTo("ContentFiltered");
  }

  @Test
  void aServerThatHangsIsATransientTimeout() {
    stub.hold();
    long start = System.nanoTime();

    Outcome outcome =
        executor.execute(
            new AttemptRequest(
                "ns",
                "k",
                Duration.ofMillis(300),
                List.of(),
                call("GET", stub.url("/"), null, null)));

    assertThat(failure(outcome).tier()).isEqualTo(Tier.Transient);
    assertThat(failure(outcome).reason()).isEqualTo("Timeout");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void connectionRefusedIsANetworkError() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }

    Failure failure = failure(run(call("GET", "http://127.0.0.1:" + port + "/", null, null)));

    assertThat(failure.tier()).isEqualTo(Tier.Transient);
    assertThat(failure.reason()).isEqualTo("NetworkError");
  }

  @Test
  void aMissingSecretIsFatalAndNamesTheSecret() {
    HttpAuth auth = auth(HttpAuth.Scheme.Bearer, null);
    auth.secretRef = new SecretKeyRef("absent", "token");

    Failure failure = failure(run(call("GET", stub.url("/"), null, auth)));

    assertThat(failure.tier()).isEqualTo(Tier.Fatal);
    assertThat(failure.reason()).isEqualTo("SecretNotFound");
    assertThat(failure.message()).contains("absent", "token");
    assertThat(stub.received()).isEmpty();
  }

  @Test
  void invalidUrlsAndHeadersAreSpecErrors() {
    for (String url : List.of("not a url", "ftp://example.com/x", "/relative", "")) {
      Failure failure = failure(run(call("GET", url, null, null)));
      assertThat(failure.tier()).as(url).isEqualTo(Tier.Fatal);
      assertThat(failure.reason()).as(url).isEqualTo("InvalidSpec");
    }
    HttpCall badHeader =
        new HttpCall("GET", stub.url("/"), Map.of("Bad Header", "x"), null, null, null, null, null);
    assertThat(failure(run(badHeader)).reason()).isEqualTo("InvalidSpec");
  }

  @Test
  void canarySecretEchoedByTheServerNeverReachesAMessage() {
    stub.respond(
        r ->
            Reply.json(
                400,
                "{\"error\":\"bad credentials\",\"echo\":\""
                    + r.header("Authorization")
                    + "\",\"raw\":\""
                    + CANARY
                    + "\"}"));
    HttpAuth basic = auth(HttpAuth.Scheme.Basic, null);

    for (HttpAuth auth :
        List.of(auth(HttpAuth.Scheme.Bearer, null), basic, auth(HttpAuth.Scheme.Header, "X-Key"))) {
      Failure failure = failure(run(call("POST", stub.url("/"), "{}", auth)));
      assertThat(failure.message()).contains("bad credentials").doesNotContain(CANARY);
      String encoded = Base64.getEncoder().encodeToString(CANARY.getBytes(StandardCharsets.UTF_8));
      assertThat(failure.message()).doesNotContain(encoded);
    }
  }

  @Test
  void credentialsWrittenIntoHeadersOrTheQueryNeverReachAMessage() {
    String token = "tok-" + CANARY;
    String key = "key-" + CANARY;
    stub.respond(
        r ->
            Reply.json(
                400,
                "{\"error\":\"bad credentials\",\"echo\":\""
                    + r.header("Authorization")
                    + "\",\"token\":\""
                    + token
                    + "\",\"key\":\""
                    + r.header("X-Api-Key")
                    + "\",\"path\":\""
                    + key
                    + "\"}"));
    HttpCall call =
        new HttpCall(
            "GET",
            stub.url("/search?q=cats&api_key=" + key),
            Map.of("Authorization", "Bearer " + token, "X-Api-Key", "hdr-" + CANARY),
            null,
            null,
            null,
            null,
            null);

    Failure failure = failure(run(call));

    assertThat(failure.reason()).isEqualTo("InvalidRequest");
    assertThat(failure.message()).contains("bad credentials").doesNotContain(CANARY);
  }

  @Test
  void anInvalidUrlIsReportedWithoutItsQueryOrUserInfo() {
    Failure bad =
        failure(run(call("GET", "ftp://user:" + CANARY + "@h/x?key=" + CANARY, null, null)));
    assertThat(bad.reason()).isEqualTo("InvalidSpec");
    assertThat(bad.message()).contains("http or https").doesNotContain(CANARY);
    Failure syntax = failure(run(call("GET", "http://h/x y?key=" + CANARY, null, null)));
    assertThat(syntax.reason()).isEqualTo("InvalidSpec");
    assertThat(syntax.message()).contains("invalid url").doesNotContain(CANARY);
  }

  private Outcome run(HttpCall call) {
    return executor.execute(
        new AttemptRequest("ns", "uid-1/fetch/0/1", Duration.ofSeconds(5), List.of(), call));
  }

  private HttpCall call(String method, String url, String body, HttpAuth auth) {
    return new HttpCall(method, url, Map.of("X-Trace", "t1"), body, auth, null, null, null);
  }

  private HttpCall withSelect(String select) {
    return new HttpCall("GET", stub.url("/"), null, null, null, null, "json", select);
  }

  private static HttpAuth auth(HttpAuth.Scheme scheme, String header) {
    HttpAuth auth = new HttpAuth();
    auth.secretRef = new SecretKeyRef("api", "token");
    auth.scheme = scheme;
    auth.header = header;
    return auth;
  }

  static Failure failure(Outcome outcome) {
    assertThat(outcome).isInstanceOf(Outcome.Failed.class);
    return ((Outcome.Failed) outcome).failure();
  }
}
