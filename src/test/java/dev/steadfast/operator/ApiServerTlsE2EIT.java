package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.e2e.KubeApiServer;
import dev.steadfast.e2e.RealApiServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import java.net.URI;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the operator's TLS preference comes to with the real API server. */
@RealApiServer
class ApiServerTlsE2EIT {
  static Config config;

  @BeforeAll
  static void start(KubeApiServer apiServer) {
    config = apiServer.client().getConfiguration();
  }

  /** The cipher suite the API server picks for a client offering {@code parameters}. */
  static String negotiated(SSLParameters parameters) throws Exception {
    SSLContext context = SSLUtils.sslContext(config);
    URI master = URI.create(config.getMasterUrl());
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket(master.getHost(), master.getPort())) {
      if (parameters != null) {
        socket.setSSLParameters(parameters);
      }
      socket.startHandshake();
      return socket.getSession().getCipherSuite();
    }
  }

  @Test
  void underC1TheApiServerTakesChaCha20AndUnderC2TheJdksOrderStands() throws Exception {
    ApiServerHttpClientFactory c1 = ApiServerHttpClientFactory.forJit(1, config);
    assertThat(negotiated(c1.parameters())).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
    assertThat(ApiServerHttpClientFactory.forJit(4, config).parameters()).isNull();
    assertThat(negotiated(null)).startsWith("TLS_AES_").contains("_GCM_");
  }

  @Test
  void aClientMadeByTheFactoryUnderC1Works() {
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(config)
            .withHttpClientFactory(ApiServerHttpClientFactory.forJit(1, config))
            .build()) {
      assertThat(client.namespaces().list().getItems()).isNotEmpty();
    }
  }
}
