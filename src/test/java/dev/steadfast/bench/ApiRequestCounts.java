package dev.steadfast.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests the API server itself counted ({@code apiserver_request_total} on its /metrics), summed
 * by kind: verb and resource (with subresource), plus the code when it is not a 2xx. The server
 * counts every request whoever sends it, so a difference of two snapshots is the operator's traffic
 * only when the benchmark sends nothing else meanwhile but what it subtracts ({@link #minus}).
 */
record ApiRequestCounts(Map<String, Double> byKind) {
  private static final Pattern SAMPLE =
      Pattern.compile("(?m)^apiserver_request_total\\{([^}]*)} ([0-9.eE+]+)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  static ApiRequestCounts scrape(KubernetesClient client) {
    String text =
        client.raw(URI.create(client.getMasterUrl().toString()).resolve("/metrics").toString());
    if (text == null) {
      throw new IllegalStateException("the API server has no /metrics");
    }
    return parse(text);
  }

  /** Reads a Prometheus text exposition of the API server. */
  static ApiRequestCounts parse(String text) {
    Map<String, Double> counts = new TreeMap<>();
    Matcher m = SAMPLE.matcher(text);
    while (m.find()) {
      Map<String, String> labels = new TreeMap<>();
      Matcher l = LABEL.matcher(m.group(1));
      while (l.find()) {
        labels.put(l.group(1), l.group(2));
      }
      String resource = labels.getOrDefault("resource", "");
      if (resource.isEmpty()) {
        continue; // /metrics, /healthz, discovery: not API objects (the scrape itself is one)
      }
      String sub = labels.getOrDefault("subresource", "");
      String code = labels.getOrDefault("code", "");
      String kind =
          labels.get("verb")
              + " "
              + resource
              + (sub.isEmpty() ? "" : "/" + sub)
              + (code.startsWith("2") ? "" : " (" + code + ")");
      counts.merge(kind, Double.parseDouble(m.group(2)), Double::sum);
    }
    return new ApiRequestCounts(counts);
  }

  /** What happened between {@code before} and this snapshot; kinds that did not change dropped. */
  ApiRequestCounts since(ApiRequestCounts before) {
    Map<String, Double> diff = new TreeMap<>();
    byKind.forEach(
        (kind, n) -> {
          double d = n - before.byKind.getOrDefault(kind, 0.0);
          if (d > 0) {
            diff.put(kind, d);
          }
        });
    return new ApiRequestCounts(diff);
  }

  /** Takes out requests the benchmark itself sent (its creates). */
  ApiRequestCounts minus(String kind, double n) {
    Map<String, Double> rest = new TreeMap<>(byKind);
    rest.computeIfPresent(kind, (k, v) -> v - n > 0 ? v - n : null);
    return new ApiRequestCounts(rest);
  }

  double total() {
    return byKind.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /** Status writes: PUT or PATCH (or server-side apply) of agenttasks/status. */
  double statusWrites() {
    return byKind.entrySet().stream()
        .filter(e -> e.getKey().matches("(PUT|PATCH|APPLY) agenttasks/status.*"))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }

  /** Event writes of either API group (core v1 and events.k8s.io): creates, PATCHes, any code. */
  double events() {
    return byKind.entrySet().stream()
        .filter(e -> e.getKey().matches("\\w+ events( .*)?"))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }

  /** "PUT agenttasks/status 1.20, POST events 0.40, ..." per {@code unit}s, largest first. */
  String per(double units) {
    StringBuilder out = new StringBuilder();
    byKind.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(
            e ->
                out.append(out.length() == 0 ? "" : ", ")
                    .append(e.getKey())
                    .append(' ')
                    .append(String.format("%.2f", e.getValue() / units)));
    return out.length() == 0 ? "none" : out.toString();
  }
}
