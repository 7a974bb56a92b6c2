package dev.steadfast.executors.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decisions on addresses only: nothing here opens a connection. Literals are parsed by the JDK
 * without DNS; names resolve through a scripted lookup, or /etc/hosts for localhost.
 */
class EgressPolicyTest {
  static final EgressPolicy DENY = EgressPolicy.denyInternal(List.of());

  static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "127.0.0.1,             loopback",
    "127.255.255.254,       loopback",
    "::1,                   loopback",
    "10.0.0.1,              private",
    "10.255.255.255,        private",
    "172.16.0.1,            private",
    "172.31.255.255,        private",
    "192.168.1.1,           private",
    "fc00::1,               private",
    "fd12:3456::1,          private",
    "169.254.169.254,       link-local",
    "169.254.0.1,           link-local",
    "fe80::1,               link-local",
    "febf::1,               link-local",
    "100.64.0.1,            CGNAT",
    "100.127.255.255,       CGNAT",
    "0.0.0.0,               unspecified",
    "0.1.2.3,               unspecified",
    "::,                    unspecified",
    "224.0.0.1,             multicast",
    "ff02::1,               multicast",
    "255.255.255.255,       reserved or broadcast",
    "fec0::1,               site-local",
    // IPv4-compatible and NAT64 IPv6 addresses carry an IPv4 address: judged by it.
    "::7f00:1,              loopback",
    "::a9fe:a9fe,           link-local",
    "::a00:1,               private",
    "64:ff9b::a9fe:a9fe,    link-local",
    "64:ff9b::7f00:1,       loopback",
  })
  void internalAddressesAreDenied(String literal, String kind) {
    InetAddress address = ip(literal);

    assertThat(EgressPolicy.deniedKind(address)).isEqualTo(kind);
    assertThat(DENY.allows(literal, 80, address)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "8.8.8.8",
        "1.1.1.1",
        "172.32.0.1",
        "172.15.255.255",
        "100.128.0.1",
        "100.63.255.255",
        "169.255.0.1",
        "11.0.0.1",
        "2606:4700:4700::1111",
        "64:ff9b::808:808"
      })
  void publicAddressesAreAllowed(String literal) {
    assertThat(EgressPolicy.deniedKind(ip(literal))).isNull();
    assertThat(DENY.allows(literal, 443, ip(literal))).isTrue();
  }

  @Test
  void ipv4MappedIpv6AddressesAreJudgedByTheirIpv4Address() throws Exception {
    // The JDK turns ::ffff:a.b.c.d into an Inet4Address; built by hand, it stays IPv6.
    byte[] metadata = new byte[16];
    metadata[10] = (byte) 0xff;
    metadata[11] = (byte) 0xff;
    metadata[12] = (byte) 169;
    metadata[13] = (byte) 254;
    metadata[14] = (byte) 169;
    metadata[15] = (byte) 254;
    Inet6Address mapped = Inet6Address.getByAddress(null, metadata, -1);
    byte[] loopback = metadata.clone();
    loopback[12] = 127;
    loopback[13] = 0;
    loopback[14] = 0;
    loopback[15] = 1;

    assertThat(EgressPolicy.deniedKind(mapped)).isEqualTo("link-local");
    assertThat(EgressPolicy.deniedKind(Inet6Address.getByAddress(null, loopback, -1)))
        .isEqualTo("loopback");
    assertThat(EgressPolicy.deniedKind(ip("::ffff:169.254.169.254"))).isEqualTo("link-local");
    assertThat(EgressPolicy.deniedKind(ip("::ffff:8.8.8.8"))).isNull();
  }

  /** Every spelling of an internal host, resolved as the client resolves it before connecting. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "2130706433", // decimal
        "0x7f000001", // hex: the JDK does not parse it, so no address at all
        "127.1",
        "127.0.0.01",
        "localhost",
        "LOCALHOST.",
        "[::1]",
        "::1",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::127.0.0.1]",
        "[0:0:0:0:0:0:0:1]",
        "169.254.169.254",
        "2852039166", // 169.254.169.254 in decimal
        "[::ffff:169.254.169.254]",
        "[::ffff:a9fe:a9fe]",
        "10.0.0.1",
        "167772161", // 10.0.0.1
        "[fd00::1]",
        "0.0.0.0",
        "0",
        "100.64.0.1",
        "rebound.example", // the scripted lookup below answers 127.0.0.1
        "metadata.example", // ... and 169.254.169.254
      })
  void everySpellingOfAnInternalHostIsRefusedBeforeAnyConnection(String host) {
    EgressResolver resolver = new EgressResolver(DENY, scripted());

    assertThatThrownBy(() -> resolver.resolve(host, 80))
        .isInstanceOf(UnknownHostException.class)
        .satisfies(
            e -> {
              if (e instanceof EgressDeniedException) {
                assertThat(e.getMessage()).contains("denied", "--egress-allow");
              }
            });
  }

  @Test
  void octalLookingHostsAreDecidedOnTheAddressTheJdkMakesOfThem() throws Exception {
    // inet_aton would read 0177.0.0.1 as 127.0.0.1; the JDK reads 177.0.0.1. The address decided
    // on is the one returned, and the client connects to exactly that one.
    List<InetSocketAddress> addresses =
        new EgressResolver(DENY, scripted()).resolve("0177.0.0.1", 80);

    assertThat(addresses)
        .extracting(a -> a.getAddress().getHostAddress())
        .containsExactly("177.0.0.1");
    assertThat(addresses).allSatisfy(a -> assertThat(a.getAddress().isLoopbackAddress()).isFalse());
  }

  @Test
  void onlyTheAllowedAddressesOfANameAreReturned() throws Exception {
    EgressResolver resolver =
        new EgressResolver(
            DENY, host -> new InetAddress[] {ip("169.254.169.254"), ip("8.8.4.4"), ip("10.0.0.1")});

    assertThat(resolver.resolve("mixed.example", 443))
        .containsExactly(new InetSocketAddress(ip("8.8.4.4"), 443));
  }

  @Test
  void theDenialNamesTheHostTheAddressAndItsKind() {
    EgressResolver resolver = new EgressResolver(DENY, scripted());

    assertThatThrownBy(() -> resolver.resolve("metadata.example", 80))
        .isInstanceOf(EgressDeniedException.class)
        .hasMessageContaining("metadata.example:80")
        .hasMessageContaining("169.254.169.254")
        .hasMessageContaining("link-local");
  }

  @ParameterizedTest(name = "{0}:{1} with --egress-allow {2} -> {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "127.0.0.1       | 8080 | 127.0.0.1/8          | true",
        "2130706433      | 8080 | 127.0.0.1/8          | true",
        "127.0.0.1       | 8080 | 127.0.0.1            | true",
        "127.0.0.2       | 8080 | 127.0.0.1            | false",
        "127.0.0.1       | 8080 | 127.0.0.1:8080       | true",
        "127.0.0.1       | 8081 | 127.0.0.1:8080       | false",
        "localhost       | 8089 | localhost:8089       | true",
        "localhost       | 8090 | localhost:8089       | false",
        "localhost       | 8090 | localhost            | true",
        "localhost       | 8090 | 127.0.0.1/32         | true",
        "[::1]           | 8080 | [::1]:8080           | true",
        "[::1]           | 8080 | ::1                  | true",
        "[::1]           | 8080 | ::1/128              | true",
        "[::1]           | 8080 | 127.0.0.1/8          | false",
        "10.1.2.3        | 80   | 10.0.0.0/8           | true",
        "10.1.2.3        | 80   | 10.1.2.3/8           | true",
        "10.1.2.3        | 80   | 10.0.0.*             | false",
        "10.0.0.7        | 80   | 10.0.0.*             | true",
        "167772167       | 80   | 10.0.0.*             | false",
        "[fd00::5]       | 80   | fd00::/8             | true",
        "169.254.169.254 | 80   | 10.0.0.0/8           | false",
        "metadata.example| 80   | *.example            | true",
        "rebound.example | 80   | other.example        | false",
      })
  void theAllowListLiftsTheDenyForTheHostsAndAddressesItNames(
      String host, int port, String entry, boolean allowed) throws Exception {
    EgressResolver resolver =
        new EgressResolver(EgressPolicy.denyInternal(List.of(entry)), scripted());

    if (allowed) {
      assertThat(resolver.resolve(host, port)).isNotEmpty();
    } else {
      assertThatThrownBy(() -> resolver.resolve(host, port))
          .isInstanceOf(EgressDeniedException.class);
    }
  }

  @Test
  void theLocalRunnersPolicyAllowsEverything() throws Exception {
    EgressResolver resolver = new EgressResolver(EgressPolicy.open(), scripted());

    assertThat(resolver.resolve("metadata.example", 80)).hasSize(1);
    assertThat(resolver.resolve("127.0.0.1", 80)).hasSize(1);
    assertThat(EgressPolicy.open().isOpen()).isTrue();
    assertThat(DENY.isOpen()).isFalse();
  }

  @ParameterizedTest(name = "{0}:{1} named by {2} -> {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "llm.ml.svc      | 8000 | llm.ml.svc:8000  | true",
        "llm.ml.svc      | 8001 | llm.ml.svc:8000  | false",
        "api.openai.com  | 443  | *.openai.com     | true",
        "10.0.0.7        | 80   | 10.0.0.0/8       | true",
        "10.0.0.7        | 80   | 10.0.0.7         | true",
        "[fd00::1]       | 80   | fd00::/8         | true",
        "fd00::1         | 80   | fd00::/8         | true",
        "167772167       | 80   | 10.0.0.0/8       | false",
        "llm.ml.svc      | 80   | 10.0.0.0/8       | false",
        "localhost       | 80   | 127.0.0.1/8      | false",
        "evil.example    | 443  | *.openai.com     | false",
      })
  void namedByAllowList(String host, int port, String entry, boolean named) {
    assertThat(EgressPolicy.denyInternal(List.of(entry)).namedByAllowList(host, port))
        .isEqualTo(named);
  }

  @Test
  void nothingIsNamedWithoutAList() {
    assertThat(EgressPolicy.open().namedByAllowList("localhost", 80)).isFalse();
    assertThat(DENY.namedByAllowList("localhost", 80)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://api.openai.com",
        "api.openai.com/v1",
        "host:port",
        "host:99999",
        "[::1",
        "a b",
        "10.0.0.0/33",
        "10.0.0/8",
        "*/8",
        "fd00::/129"
      })
  void entriesThatAreNeitherAGlobNorACidrAreRefusedNamingTheFlagAndTheEntry(String entry) {
    assertThatThrownBy(() -> EgressPolicy.denyInternal(List.of("localhost", entry)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--egress-allow")
        .hasMessageContaining("\"" + entry + "\"");
  }

  @Test
  void blankEntriesAreIgnored() {
    assertThat(EgressPolicy.denyInternal(List.of(" ", "")).allows("x", 80, ip("127.0.0.1")))
        .isFalse();
  }

  @ParameterizedTest(name = "{0}:{1} vs {2} -> {3}")
  @CsvSource({
    "api.openai.com,     443,  *.openai.com,          true",
    "a.b.openai.com,     443,  *.openai.com,          true",
    "openai.com,         443,  *.openai.com,          false",
    "evilopenai.com,     443,  *.openai.com,          false",
    "api.openai.com.evil,443,  *.openai.com,          false",
    "API.OpenAI.com,     443,  *.openai.COM,          true",
    "api.openai.com.,    443,  *.openai.com,          true",
    "api.anthropic.com,  443,  api.anthropic.com,     true",
    "api.anthropic.com,  443,  anthropic.com,         false",
    "localhost,          8089, localhost:8089,        true",
    "localhost,          8090, localhost:8089,        false",
    "localhost,          8090, localhost,             true",
    "localhost,          8090, localhost:*,           true",
    "llm.internal,       80,   llm.*.svc,             false",
    "llm.team.svc,       80,   llm.*.svc,             true",
    "anything.example,   443,  *,                     true",
  })
  void hostGlobs(String host, int port, String glob, boolean expected) {
    assertThat(HostGlob.parse(glob).matches(host, port)).isEqualTo(expected);
  }

  /** rebound.example → 127.0.0.1, metadata.example → 169.254.169.254; the JDK for the rest. */
  static EgressResolver.Lookup scripted() {
    Map<String, String> names =
        Map.of("rebound.example", "127.0.0.1", "metadata.example", "169.254.169.254");
    return host ->
        names.containsKey(host)
            ? new InetAddress[] {InetAddress.getByAddress(host, ip(names.get(host)).getAddress())}
            : EgressResolver.SYSTEM.lookup(host);
  }
}
