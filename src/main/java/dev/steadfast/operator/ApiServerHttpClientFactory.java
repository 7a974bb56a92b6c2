package dev.steadfast.operator;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.http.TlsVersion;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The HTTP client of the operator's connection to the API server: fabric8's JDK client, offering
 * ChaCha20-Poly1305 first when this JVM compiles with C1 only.
 *
 * <p>Every status write, watch event and event create crosses that TLS connection, and the chart
 * runs the operator with {@code -XX:TieredStopAtLevel=1} (small RSS, fast start). C1 has no AES-GCM
 * intrinsics, so AES and GHASH run as plain compiled Java: 14–19% of the operator's CPU under load.
 * ChaCha20-Poly1305 is plain integer arithmetic, which C1 compiles well; it cut the operator's CPU
 * per step by about a tenth (docs/benchmarks.md). The API server (Go) takes the client's preference
 * for it; a server that does not offer it (a FIPS build) picks AES-GCM from the rest of the list,
 * which is the JDK's default list, reordered only. With C2 the JDK's own order stands: its AES-GCM
 * intrinsics are faster.
 */
public final class ApiServerHttpClientFactory extends JdkHttpClientFactory {
  private static final int C2_LEVEL = 4;

  private final SSLParameters parameters;

  private ApiServerHttpClientFactory(SSLParameters parameters) {
    this.parameters = parameters;
  }

  /** For a client of {@code config} in this JVM. */
  public static ApiServerHttpClientFactory forThisJvm(Config config) {
    return forJit(tieredStopAtLevel(), config);
  }

  /** For a client of {@code config} in a JVM whose JIT stops at {@code level}. */
  static ApiServerHttpClientFactory forJit(int level, Config config) {
    if (!c1Only(level)) {
      return new ApiServerHttpClientFactory(null);
    }
    try {
      String[] defaults = SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites();
      return new ApiServerHttpClientFactory(
          new SSLParameters(chaChaFirst(defaults), protocols(config.getTlsVersions())));
    } catch (NoSuchAlgorithmException e) {
      return new ApiServerHttpClientFactory(null);
    }
  }

  /** The cipher suites to offer: the same ones, ChaCha20-Poly1305 suites first. */
  static String[] chaChaFirst(String[] suites) {
    List<String> first = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    for (String suite : suites) {
      (suite.contains("CHACHA20") ? first : rest).add(suite);
    }
    first.addAll(rest);
    return first.toArray(String[]::new);
  }

  /** Whether a JVM whose JIT stops at {@code level} has C1 only (no AES-GCM intrinsics). */
  static boolean c1Only(int level) {
    return level < C2_LEVEL;
  }

  /**
   * The protocols fabric8 would set from the config (it sets them before {@link #additionalConfig},
   * and the parameters set here replace its); null for the JDK's.
   */
  static String[] protocols(TlsVersion[] versions) {
    return versions == null || versions.length == 0
        ? null
        : Arrays.stream(versions).map(TlsVersion::javaName).toArray(String[]::new);
  }

  private static int tieredStopAtLevel() {
    try {
      return Integer.parseInt(
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
              .getVMOption("TieredStopAtLevel")
              .getValue());
    } catch (RuntimeException e) {
      return C2_LEVEL; // not HotSpot: keep the JDK's order
    }
  }

  /** The TLS parameters the client is given; null when the JDK's defaults are. */
  SSLParameters parameters() {
    return parameters;
  }

  /** The cipher suites offered, in order; null when the JDK's defaults are. */
  String[] cipherSuites() {
    return parameters == null ? null : parameters.getCipherSuites();
  }

  @Override
  protected void additionalConfig(HttpClient.Builder builder) {
    if (parameters != null) {
      builder.sslParameters(parameters);
    }
  }
}
