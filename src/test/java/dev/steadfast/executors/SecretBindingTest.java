package dev.steadfast.executors;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.steadfast.executors.Secrets.SecretNotAllowedException;
import dev.steadfast.executors.egress.HostGlob;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The decision of docs/security.md on where a Secret's value may go; no request is sent here. */
class SecretBindingTest {
  static final String PROVIDERS = "api.openai.com, *.anthropic.com,llm.ml.svc:8000";
  static final PlainHttpHosts IN_CLUSTER_MODEL =
      (host, port) -> HostGlob.matches(host, port, "llm.ml.svc:8000");

  static void allowed(String annotation, String url, PlainHttpHosts plain) {
    assertThatCode(() -> SecretBinding.check("openai", annotation, URI.create(url), plain))
        .as(url)
        .doesNotThrowAnyException();
  }

  static org.assertj.core.api.AbstractThrowableAssert<?, ?> refused(
      String annotation, String url, PlainHttpHosts plain) {
    return assertThatThrownBy(
            () -> SecretBinding.check("openai", annotation, URI.create(url), plain))
        .as(url)
        .isInstanceOf(SecretNotAllowedException.class);
  }

  @Test
  void aSecretWithoutTheAnnotationGoesNowhereAndTheMessageSaysWhatToAdd() {
    refused(null, "https://api.openai.com/v1/chat/completions", PlainHttpHosts.NONE)
        .hasMessage(
            "Secret \"openai\" may not be sent to api.openai.com:443: add it to the annotation"
                + " steadfast.dev/allowed-hosts on the Secret");
    refused("", "https://api.openai.com/v1", PlainHttpHosts.NONE);
  }

  @Test
  void theListedHostsOverHttpsAndNoOthers() {
    allowed(PROVIDERS, "https://api.openai.com/v1/chat/completions", PlainHttpHosts.NONE);
    allowed(PROVIDERS, "https://API.OpenAI.com./v1", PlainHttpHosts.NONE);
    allowed(PROVIDERS, "https://eu.api.anthropic.com/v1/messages", PlainHttpHosts.NONE);
    refused(PROVIDERS, "https://evil.example/collect", PlainHttpHosts.NONE)
        .hasMessageContaining("evil.example:443")
        .hasMessageContaining("steadfast.dev/allowed-hosts");
    // A glob is not a suffix match: a look-alike domain is another host.
    refused(PROVIDERS, "https://api.openai.com.evil.example/v1", PlainHttpHosts.NONE);
    refused(PROVIDERS, "https://anthropic.com/v1", PlainHttpHosts.NONE);
    refused(PROVIDERS, "https://evilanthropic.com/v1", PlainHttpHosts.NONE);
    // The user-info part is not the host: the request would go to evil.example.
    refused(PROVIDERS, "https://api.openai.com@evil.example/v1", PlainHttpHosts.NONE)
        .hasMessageContaining("evil.example:443");
  }

  @Test
  void aPortInTheAnnotationBindsThePort() {
    allowed(PROVIDERS, "http://llm.ml.svc:8000/v1", IN_CLUSTER_MODEL);
    refused(PROVIDERS, "http://llm.ml.svc:9000/v1", IN_CLUSTER_MODEL)
        .hasMessageContaining("llm.ml.svc:9000");
    // No port in the annotation: any port of that host.
    allowed("api.openai.com", "https://api.openai.com:8443/v1", PlainHttpHosts.NONE);
  }

  @Test
  void plainHttpOnlyToHostsTheEgressAllowListNames() {
    refused(PROVIDERS, "http://api.openai.com/v1", PlainHttpHosts.NONE)
        .hasMessageContaining("api.openai.com:80")
        .hasMessageContaining("https")
        .hasMessageContaining("--egress-allow");
    // Listed on the Secret, but not in --egress-allow: still not over http.
    refused("llm.ml.svc:8000", "http://llm.ml.svc:8000/v1", PlainHttpHosts.NONE);
    allowed("llm.ml.svc:8000", "http://llm.ml.svc:8000/v1", IN_CLUSTER_MODEL);
    allowed("127.0.0.1", "http://127.0.0.1:8089/v1", (h, p) -> h.equals("127.0.0.1"));
    // https needs no allow-list entry.
    allowed("llm.ml.svc", "https://llm.ml.svc/v1", PlainHttpHosts.NONE);
  }

  @Test
  void ipv6LiteralsAreMatchedWithOrWithoutBrackets() {
    allowed("[::1]", "http://[::1]:8089/v1", (h, p) -> true);
    refused("127.0.0.1", "http://[::1]:8089/v1", (h, p) -> true).hasMessageContaining("[::1]:8089");
  }

  @Test
  void jobsNeedAllowedInJobsTrue() {
    assertThatCode(() -> SecretBinding.checkJob("gh", "true")).doesNotThrowAnyException();
    for (String value : new String[] {null, "", "false", "yes"}) {
      assertThatThrownBy(() -> SecretBinding.checkJob("gh", value))
          .isInstanceOf(SecretNotAllowedException.class)
          .hasMessageContaining("\"gh\"")
          .hasMessageContaining("steadfast.dev/allowed-in-jobs");
    }
  }
}
