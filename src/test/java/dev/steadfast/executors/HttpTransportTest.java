package dev.steadfast.executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.steadfast.api.ClassifyRule;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.executors.classify.Classifier;
import dev.steadfast.executors.egress.EgressDeniedException;
import dev.steadfast.executors.egress.EgressPolicy;
import dev.steadfast.executors.egress.EgressResolver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The transport against listeners on loopback that count what they receive. */
class HttpTransportTest {
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final List<AutoCloseable> open = new ArrayList<>();
  private final StubServer stub = track(StubServer.start());

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private <T extends AutoCloseable> T track(T c) {
    open.add(c);
    return c;
  }

  private HttpTransport transport(List<String> allow, EgressResolver.Lookup lookup) {
    return track(new HttpTransport(EgressPolicy.denyInternal(allow), lookup));
  }

  private static ClassicRequestBuilder get(String url) {
    return ClassicRequestBuilder.get(URI.create(url));
  }

  /** loopback.example → 127.0.0.1 without DNS; everything else as the JDK resolves it. */
  static InetAddress[] loopbackName(String host) throws UnknownHostException {
    return host.equals("loopback.example")
        ? new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})}
        : InetAddress.getAllByName(host);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "localhost",
        "2130706433",
        "127.1",
        "[::ffff:127.0.0.1]",
        "[::1]",
        "loopback.example"
      })
  void withAnEmptyAllowListLoopbackIsRefusedAndNothingIsSent(String host) {
    HttpTransport transport = transport(List.of(), HttpTransportTest::loopbackName);
    String url = "http://" + host + ":" + stub.port() + "/steal";

    assertThatThrownBy(() -> transport.send(get(url).build(), TIMEOUT))
        .isInstanceOf(EgressDeniedException.class)
        .hasMessageContaining("loopback");
    assertThat(stub.received()).isEmpty();
  }

  @Test
  void theHttpStepFailsFatalEgressDeniedWhateverItsClassifyRulesSay() {
    HttpExecutor executor =
        new HttpExecutor(
            transport(List.of(), HttpTransportTest::loopbackName),
            new MapSecrets(),
            new Classifier(Clock.systemUTC()));
    ClassifyRule retryEverything = new ClassifyRule();
    retryEverything.when = "true";
    retryEverything.tier = Tier.Transient;
    retryEverything.reason = "Flaky";
    Call.HttpCall call =
        new Call.HttpCall(
            "GET", "http://localhost:" + stub.port() + "/", Map.of(), null, null, null, null, null);

    Outcome outcome =
        executor.execute(new AttemptRequest("ns", "k", TIMEOUT, List.of(retryEverything), call));

    assertThat(outcome)
        .isInstanceOfSatisfying(
            Outcome.Failed.class,
            f -> {
              assertThat(f.failure().tier()).isEqualTo(Tier.Fatal);
              assertThat(f.failure().reason()).isEqualTo("EgressDenied");
              assertThat(f.failure().message())
                  .contains("localhost:" + stub.port(), "127.0.0.1", "--egress-allow");
            });
    assertThat(stub.received()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1/8", "127.0.0.1", "localhost", "localhost:*", "loopback.*"})
  void aHostOrCidrInTheAllowListIsServed(String entry) throws Exception {
    HttpTransport transport = transport(List.of(entry), HttpTransportTest::loopbackName);
    String host =
        entry.startsWith("loopback")
            ? "loopback.example"
            : entry.startsWith("localhost") ? "localhost" : "127.0.0.1";
    stub.respond(200, "{\"ok\":true}");

    HttpTransport.Response response =
        transport.send(get("http://" + host + ":" + stub.port() + "/fine").build(), TIMEOUT);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"ok\":true}");
    assertThat(stub.received()).extracting(StubServer.Received::path).containsExactly("/fine");
  }

  @Test
  void anAllowedPortDoesNotAllowAnother() {
    HttpTransport transport =
        transport(List.of("localhost:" + (stub.port() + 1)), HttpTransportTest::loopbackName);

    assertThatThrownBy(
            () -> transport.send(get("http://localhost:" + stub.port() + "/").build(), TIMEOUT))
        .isInstanceOf(EgressDeniedException.class);
    assertThat(stub.received()).isEmpty();
  }

  /**
   * DNS rebinding: the first answer passes the check, a second lookup would answer an address the
   * policy refuses. The name is resolved once, and the connection goes to the checked address.
   */
  @Test
  void theCheckedAddressIsTheOneConnectedTo() throws Exception {
    StubServer allowed = track(StubServer.start(new InetSocketAddress("127.0.0.2", 0)));
    allowed.respond(200, "\"from 127.0.0.2\"");
    AtomicInteger lookups = new AtomicInteger();
    HttpTransport transport =
        transport(
            List.of("127.0.0.2/32"),
            host ->
                new InetAddress[] {
                  InetAddress.getByAddress(
                      host, new byte[] {127, 0, 0, (byte) (lookups.incrementAndGet() == 1 ? 2 : 1)})
                });

    HttpTransport.Response response =
        transport.send(get("http://rebind.example:" + allowed.port() + "/").build(), TIMEOUT);

    assertThat(response.body()).isEqualTo("\"from 127.0.0.2\"");
    assertThat(lookups).hasValue(1);
    assertThat(allowed.received()).hasSize(1);
  }

  /** A refused address listed first is skipped, never dialled, even though it is reachable. */
  @Test
  void aRefusedAddressAmongAllowedOnesIsNeverDialled() throws Exception {
    StubServer allowed = track(StubServer.start(new InetSocketAddress("127.0.0.2", 0)));
    StubServer refused =
        track(StubServer.start(new InetSocketAddress("127.0.0.3", allowed.port())));
    AtomicInteger lookups = new AtomicInteger();
    HttpTransport transport =
        transport(
            List.of("127.0.0.2/32"),
            host -> {
              lookups.incrementAndGet();
              return new InetAddress[] {
                InetAddress.getByAddress(host, new byte[] {127, 0, 0, 3}),
                InetAddress.getByAddress(host, new byte[] {127, 0, 0, 2})
              };
            });

    for (int i = 0; i < 3; i++) {
      transport.send(get("http://two.example:" + allowed.port() + "/" + i).build(), TIMEOUT);
    }

    assertThat(allowed.received()).hasSize(3);
    assertThat(refused.received()).isEmpty();
    // One connection, kept alive: resolved once for it.
    assertThat(lookups).hasValue(1);
  }

  @Test
  void redirectsAreNotFollowed() throws Exception {
    HttpTransport transport = transport(List.of("127.0.0.1/8"), HttpTransportTest::loopbackName);
    stub.respond(
        r ->
            r.path().equals("/start")
                ? new StubServer.Reply(302, Map.of("Location", stub.url("/target")), "")
                : StubServer.Reply.json(200, "{}"));

    HttpTransport.Response response = transport.send(get(stub.url("/start")).build(), TIMEOUT);

    assertThat(response.status()).isEqualTo(302);
    assertThat(response.headers().get("location")).containsExactly(stub.url("/target"));
    assertThat(stub.received()).extracting(StubServer.Received::path).containsExactly("/start");
  }

  @Test
  void aBodyOverTheLimitIsRefusedAndTheNextRequestStillWorks() throws Exception {
    HttpTransport transport = HttpTransport.open();
    track(transport);
    String big = "x".repeat(HttpTransport.DEFAULT_MAX_RESPONSE_BYTES + 1);
    stub.respond(
        r ->
            r.path().equals("/big")
                ? StubServer.Reply.json(200, big)
                : StubServer.Reply.json(200, "{}"));

    assertThatThrownBy(() -> transport.send(get(stub.url("/big")).build(), TIMEOUT))
        .isInstanceOf(BoundedBody.TooLargeException.class);
    assertThat(transport.send(get(stub.url("/small")).build(), TIMEOUT).body()).isEqualTo("{}");
  }

  @Test
  void theDeadlineCoversTheWholeExchange() {
    HttpTransport transport = track(HttpTransport.open());
    stub.hold();
    long start = System.nanoTime();

    assertThatThrownBy(() -> transport.send(get(stub.url("/slow")).build(), Duration.ofMillis(400)))
        .isInstanceOf(java.net.SocketTimeoutException.class)
        .hasMessageContaining("400ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void anInterruptAbortsTheExchange() throws Exception {
    HttpTransport transport = track(HttpTransport.open());
    stub.hold();
    List<Throwable> thrown = new ArrayList<>();
    Thread caller =
        new Thread(
            () -> {
              try {
                transport.send(get(stub.url("/slow")).build(), Duration.ofSeconds(30));
              } catch (Exception e) {
                thrown.add(e);
              }
            });
    caller.start();
    org.awaitility.Awaitility.await().until(() -> !stub.received().isEmpty());
    caller.interrupt();
    caller.join(5_000);

    assertThat(caller.isAlive()).isFalse();
    assertThat(thrown).singleElement().isInstanceOf(InterruptedException.class);
  }
}
