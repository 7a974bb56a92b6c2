package dev.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** --otlp-endpoint: off without it, refused when it is not an http(s) URL. */
class TracingOptionsTest {
  @Test
  void withoutAnEndpointTracingIsOff() {
    TracingOptions o = new TracingOptions();
    o.otlpEndpoint = null;
    StringWriter err = new StringWriter();
    assertThat(o.start(new PrintWriter(err)))
        .hasValueSatisfying(t -> assertThat(t.enabled()).isFalse());
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void anEndpointThatIsNotAnHttpUrlIsRefusedWithTheFlagsName() {
    for (String bad : new String[] {"collector:4318", "ftp://collector", "http://"}) {
      TracingOptions o = new TracingOptions();
      o.otlpEndpoint = bad;
      StringWriter err = new StringWriter();
      assertThat(o.start(new PrintWriter(err))).as(bad).isEmpty();
      assertThat(err.toString()).as(bad).startsWith("--otlp-endpoint: ");
    }
  }

  @Test
  void anHttpEndpointStartsTracingThatClosesCleanly() {
    TracingOptions o = new TracingOptions();
    o.otlpEndpoint = "http://127.0.0.1:4318";
    var tracing = o.start(new PrintWriter(new StringWriter())).orElseThrow();
    try (tracing) {
      assertThat(tracing.enabled()).isTrue();
    }
  }

  @Test
  void headersAreReadInTheStandardForm() {
    assertThat(TracingOptions.headers("authorization=Bearer%20abc, x-team=a"))
        .isEqualTo(Map.of("authorization", "Bearer abc", "x-team", "a"));
    assertThat(TracingOptions.headers(null)).isEmpty();
    assertThatThrownBy(() -> TracingOptions.headers("just-a-token"))
        .hasMessage("expected key=value pairs separated by commas")
        .hasMessageNotContaining("just-a-token");
  }
}
