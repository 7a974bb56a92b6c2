package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.http.TlsVersion;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

class ApiServerHttpClientFactoryTest {
  @Test
  void chaChaSuitesGoFirstAndNoSuiteIsAddedOrLost() throws Exception {
    String[] defaults = SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites();
    String[] ordered = ApiServerHttpClientFactory.chaChaFirst(defaults);

    assertThat(ordered).containsExactlyInAnyOrder(defaults);
    assertThat(ordered[0]).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
    int firstOther = 0;
    while (ordered[firstOther].contains("CHACHA20")) {
      firstOther++;
    }
    assertThat(firstOther).isGreaterThan(1); // TLS 1.3's and TLS 1.2's
    for (int i = firstOther; i < ordered.length; i++) {
      assertThat(ordered[i]).doesNotContain("CHACHA20");
    }
    // AES-GCM stays on offer, in the JDK's order, for a server without ChaCha20 (a FIPS build)
    assertThat(ordered).contains("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");
  }

  @Test
  void onlyAJitWithoutC2PrefersChaCha() {
    assertThat(ApiServerHttpClientFactory.c1Only(1))
        .isTrue(); // the chart's -XX:TieredStopAtLevel=1
    assertThat(ApiServerHttpClientFactory.c1Only(3)).isTrue();
    assertThat(ApiServerHttpClientFactory.c1Only(4)).isFalse(); // the JDK's default
  }

  @Test
  void theConfiguredTlsVersionsAreKept() {
    assertThat(ApiServerHttpClientFactory.protocols(new TlsVersion[] {TlsVersion.TLS_1_3}))
        .containsExactly("TLSv1.3");
    assertThat(ApiServerHttpClientFactory.protocols(null)).isNull();
    assertThat(ApiServerHttpClientFactory.protocols(new TlsVersion[0])).isNull();
  }

  @Test
  void thisJvmsClientFollowsItsJit() {
    // the test JVM runs with C2: the JDK's own order stands
    ApiServerHttpClientFactory factory =
        ApiServerHttpClientFactory.forThisJvm(
            new io.fabric8.kubernetes.client.ConfigBuilder().build());
    assertThat(factory.cipherSuites()).isNull();
  }
}
