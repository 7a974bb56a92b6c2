package dev.steadfast.cli;

import dev.steadfast.tracing.Tracing;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * --otlp-endpoint, shared by `steadfast run` and `steadfast operator` (docs/tracing.md). Without it
 * (and without OTEL_EXPORTER_OTLP_ENDPOINT) tracing is off and the OpenTelemetry SDK is never
 * started.
 */
final class TracingOptions {
  @Option(
      names = "--otlp-endpoint",
      paramLabel = "URL",
      defaultValue = "${env:OTEL_EXPORTER_OTLP_ENDPOINT}",
      description =
          "Export traces (a span per task, step and attempt) over OTLP/HTTP to this collector"
              + " base URL (http://collector:4318; spans go to /v1/traces), and send each http and"
              + " llm call a W3C traceparent. Default: OTEL_EXPORTER_OTLP_ENDPOINT; unset, tracing"
              + " is off. OTEL_EXPORTER_OTLP_HEADERS and OTEL_SERVICE_NAME are honoured.")
  String otlpEndpoint;

  /** The tracing asked for: {@link Tracing#OFF} when none; empty (told on err) when unusable. */
  Optional<Tracing> start(PrintWriter err) {
    if (otlpEndpoint == null || otlpEndpoint.isBlank()) {
      return Optional.of(Tracing.OFF);
    }
    try {
      URI uri = new URI(otlpEndpoint.strip());
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw new URISyntaxException(otlpEndpoint, "not an http or https URL");
      }
    } catch (URISyntaxException e) {
      err.println("--otlp-endpoint: " + e.getReason() + ": " + otlpEndpoint);
      err.flush();
      return Optional.empty();
    }
    Map<String, String> headers;
    try {
      headers = headers(System.getenv("OTEL_EXPORTER_OTLP_HEADERS"));
    } catch (IllegalArgumentException e) {
      // The value may hold a token: only its shape is told.
      err.println("OTEL_EXPORTER_OTLP_HEADERS: " + e.getMessage());
      err.flush();
      return Optional.empty();
    }
    String service = System.getenv("OTEL_SERVICE_NAME");
    return Optional.of(
        Tracing.otlp(
            otlpEndpoint.strip(),
            headers,
            service == null || service.isBlank() ? "steadfast" : service.strip()));
  }

  /** The OTEL_EXPORTER_OTLP_HEADERS form: {@code key1=value1,key2=value2}, values URL-encoded. */
  static Map<String, String> headers(String spec) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (spec == null || spec.isBlank()) {
      return headers;
    }
    for (String pair : spec.split(",")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("expected key=value pairs separated by commas");
      }
      headers.put(
          pair.substring(0, eq).strip(),
          java.net.URLDecoder.decode(
              pair.substring(eq + 1).strip(), java.nio.charset.StandardCharsets.UTF_8));
    }
    return headers;
  }
}
