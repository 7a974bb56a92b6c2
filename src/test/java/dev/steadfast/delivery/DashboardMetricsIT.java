package dev.steadfast.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.Pricing;
import dev.steadfast.engine.format.Json;
import dev.steadfast.operator.HealthServer;
import dev.steadfast.operator.OperatorHarness;
import dev.steadfast.operator.SteadfastOperator;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The dashboard and the alerts read only metrics the operator really exports: an operator (on
 * fabric8's mock API server, with the LLM simulator) runs tasks that succeed, fail, open a breaker,
 * get 429s and are held by their budget while its /metrics is scraped every half second; every
 * metric name in every panel, variable and alert expression must be among the names those scrapes
 * returned. With {@code -Ddashboard.record=FILE} the scrapes' steadfast_* samples are written there
 * (scripts/render-dashboard.py draws docs/images/dashboard.png from them).
 */
@EnableKubernetesMockClient(crud = true)
class DashboardMetricsIT {
  static KubernetesClient client;

  /** Written by Prometheus for every scrape target, never by the target itself. */
  static final Set<String> PROMETHEUS_SYNTHETIC = Set.of("up");

  /**
   * Labels Prometheus adds to every series of a target (the ServiceMonitor's; with honorLabels the
   * operator's own namespace label wins where it has one). Alerts may match on them; panels, whose
   * namespace filter means the tenants', may not.
   */
  static final Set<String> TARGET_LABELS = Set.of("job", "instance", "namespace", "pod", "service");

  static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})? ");
  static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

  record Scrape(long at, String text) {}

  @Test
  void everyPanelAndAlertReadsMetricsARunningOperatorExports() throws Exception {
    List<Scrape> scrapes = new CopyOnWriteArrayList<>();
    try (LlmSimulator sim =
        LlmSimulator.builder()
            .port(0)
            .retryAfterSeconds(1)
            .latency(Duration.ofMillis(150))
            .faults(FaultPlan.parse("401@1-50/locked-model,500@1-4/flaky-model,429@1-3/busy-model"))
            .build()
            .start()) {
      for (String ns : List.of("team-a", "team-b")) {
        OperatorHarness.boundSecret(client, ns, "llm", "key", "sk-test");
      }
      Pricing pricing =
          Pricing.parse(
              "gpt-4o: {input: 2.5, output: 10}\n\"*-model\": {input: \"0.15\", output: \"0.6\"}");
      SteadfastOperator operator =
          OperatorHarness.start(
              client,
              c ->
                  c.leaderElection(false)
                      .operatorNamespace("default")
                      .identity("dashboard")
                      .maxConcurrentSteps(8)
                      .pricing(pricing));
      HealthServer server =
          new HealthServer(0, 0, operator.metrics()::scrape, operator::ready).start();
      HttpClient http = HttpClient.newHttpClient();
      URI metrics = URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics");
      ScheduledExecutorService scraper = Executors.newSingleThreadScheduledExecutor();
      scraper.scheduleAtFixedRate(
          () -> {
            try {
              var reply =
                  http.send(
                      HttpRequest.newBuilder(metrics).build(),
                      HttpResponse.BodyHandlers.ofString());
              scrapes.add(new Scrape(System.currentTimeMillis(), reply.body()));
            } catch (Exception e) {
              // the next scrape tries again
            }
          },
          0,
          500,
          TimeUnit.MILLISECONDS);
      try {
        String endpoint = sim.baseUrl() + "/v1";
        String policy =
            "  policy:\n    timeout: 3s\n    retry:\n      maxAttempts: 10\n"
                + "      backoff: {initialDelay: 100ms, maxDelay: 300ms}\n"
                + "      rateLimit: {initialDelay: 200ms, maxDelay: 1s}\n"
                + "    circuitBreaker: {key: flaky, failureRateThreshold: 50, slidingWindowSize: 4,"
                + " minimumCalls: 4, openDuration: 3s, halfOpenCalls: 1}\n";
        create("team-a", "summary", policy, step("a", endpoint, "gpt-4o", ""));
        create("team-a", "locked", policy, step("a", endpoint, "locked-model", ""));
        create("team-a", "flaky", policy, step("a", endpoint, "flaky-model", ""));
        create("team-b", "busy", policy, step("a", endpoint, "busy-model", ""));
        create("team-b", "report", policy, step("a", endpoint, "gpt-4o", ""));
        create(
            "team-b",
            "essay",
            policy + "  budget: {maxTokens: 10}\n",
            step("a", endpoint, "gpt-4o", ", maxTokens: 50000"));

        await()
            .atMost(Duration.ofMinutes(2))
            .until(
                () ->
                    "Succeeded".equals(phase("team-a", "summary"))
                        && "Failed".equals(phase("team-a", "locked"))
                        && "Succeeded".equals(phase("team-a", "flaky"))
                        && "Succeeded".equals(phase("team-b", "busy"))
                        && "Succeeded".equals(phase("team-b", "report"))
                        && "Suspended".equals(phase("team-b", "essay")));
        // A few more scrapes of the settled state, so rates and gauges end where they stay.
        int settled = scrapes.size();
        await().atMost(Duration.ofSeconds(30)).until(() -> scrapes.size() >= settled + 6);
      } finally {
        scraper.shutdownNow();
        scraper.awaitTermination(10, TimeUnit.SECONDS);
        server.stop();
        operator.close();
      }
    }
    String record = System.getProperty("dashboard.record");
    if (record != null && !record.isBlank()) {
      StringBuilder out = new StringBuilder();
      for (Scrape s : scrapes) {
        out.append("# scrape ").append(s.at()).append('\n');
        s.text()
            .lines()
            .filter(l -> l.startsWith("steadfast_"))
            .forEach(l -> out.append(l).append('\n'));
      }
      Files.writeString(Path.of(record), out);
    }

    // What the operator exports: every sample name, with the label names seen on it.
    Map<String, Set<String>> exported = new HashMap<>();
    for (Scrape s : scrapes) {
      for (String line : s.text().lines().toList()) {
        Matcher m = SAMPLE.matcher(line);
        if (!line.startsWith("#") && m.find()) {
          Set<String> labels = exported.computeIfAbsent(m.group(1), n -> new TreeSet<>());
          if (m.group(3) != null) {
            Matcher l = LABEL.matcher(m.group(3));
            while (l.find()) {
              labels.add(l.group(1));
            }
          }
        }
      }
    }
    // The run showed what the panels and alerts are about, so the names below were there to see.
    String all = scrapes.stream().map(Scrape::text).collect(Collectors.joining("\n"));
    assertThat(all)
        .contains("steadfast_breakers{namespace=\"team-a\",state=\"OPEN\"} 1.0")
        .contains("steadfast_tasks{namespace=\"team-a\",phase=\"Failed\"} 1.0")
        .contains("steadfast_tasks{namespace=\"team-b\",phase=\"Suspended\"} 1.0")
        .contains("steadfast_budget_exhausted_total{namespace=\"team-b\"} 1.0")
        .contains("steadfast_endpoint_rate_limited_total{endpoint=\"127.0.0.1\"} 3.0")
        .contains(
            "steadfast_attempts_total{namespace=\"team-b\",reason=\"RateLimited\",tier=\"Transient\"} 3.0")
        .contains("steadfast_waiting_oldest_seconds{namespace=\"team-a\"}")
        .containsPattern(
            "steadfast_step_duration_seconds_count\\{kind=\"LlmCall\",namespace=\"team-b\"} [1-9]")
        .contains("steadfast_ready 1.0")
        .containsPattern("steadfast_cost_total\\{model=\"gpt-4o\",namespace=\"team-a\"} [1-9]");

    JsonNode dashboard = Json.MAPPER.readTree(Files.readString(MonitoringChartTest.DASHBOARD));
    List<String> checked = new ArrayList<>();
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        String expr = target.get("expr").asText();
        String where = "panel \"" + panel.get("title").asText() + "\": " + expr;
        assertReadsExported(where, expr, exported, Set.of());
        // A panel that filters by a label its metric lacks shows nothing, silently.
        assertMatchesExportedLabels(where, expr, exported, Set.of());
        checked.add(expr);
        // Every label the legend shows is on a metric the expression reads.
        Set<String> labels = new HashSet<>();
        PromQl.metricNames(expr).forEach(n -> labels.addAll(exported.get(n)));
        Matcher legend =
            Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}").matcher(target.get("legendFormat").asText());
        while (legend.find()) {
          assertThat(labels).as("legend label of %s", where).contains(legend.group(1));
        }
      }
    }
    for (JsonNode variable : dashboard.at("/templating/list")) {
      if (variable.has("definition")) {
        String query = variable.get("definition").asText();
        Matcher m = Pattern.compile("label_values\\((\\w+), *(\\w+)\\)").matcher(query);
        assertThat(m.matches()).as(query).isTrue();
        assertThat(exported).as("variable %s", query).containsKey(m.group(1));
        assertThat(exported.get(m.group(1))).as("variable %s", query).contains(m.group(2));
        checked.add(query);
      }
    }
    GenericKubernetesResource rule =
        (GenericKubernetesResource)
            Chart.render("prometheusRule: {enabled: true}").kind("PrometheusRule").get(0);
    for (Map<String, Object> alert : MonitoringChartTest.rules(rule)) {
      String expr = alert.get("expr").toString();
      assertReadsExported(
          "alert " + alert.get("alert") + ": " + expr, expr, exported, PROMETHEUS_SYNTHETIC);
      assertMatchesExportedLabels(
          "alert " + alert.get("alert") + ": " + expr, expr, exported, TARGET_LABELS);
      checked.add(expr);
    }
    assertThat(checked).hasSizeGreaterThan(20);
    System.out.printf(
        "DashboardMetricsIT: %d expressions checked against %d exported names from %d scrapes%n",
        checked.size(), exported.size(), scrapes.size());
  }

  /**
   * Each label a selector matches on is on its metric's series; {@code extra} are labels added by
   * Prometheus rather than the operator.
   */
  private static void assertMatchesExportedLabels(
      String where, String expr, Map<String, Set<String>> exported, Set<String> extra) {
    PromQl.selectorLabels(expr)
        .forEach(
            (name, labels) -> {
              if (!PROMETHEUS_SYNTHETIC.contains(name)) {
                Set<String> known = new TreeSet<>(exported.getOrDefault(name, Set.of()));
                known.addAll(extra);
                assertThat(known).as("%s: labels matched on %s", where, name).containsAll(labels);
              }
            });
  }

  private static void assertReadsExported(
      String where, String expr, Map<String, Set<String>> exported, Set<String> synthetic) {
    assertThat(PromQl.unbalanced(expr)).as(where).isNull();
    Set<String> names = PromQl.metricNames(expr);
    assertThat(names).as(where).isNotEmpty();
    for (String name : names) {
      if (!synthetic.contains(name)) {
        assertThat(exported).as("%s reads %s", where, name).containsKey(name);
      }
    }
  }

  static String step(String name, String endpoint, String model, String extra) {
    return "    - name: "
        + name
        + "\n      llm: {endpoint: '"
        + endpoint
        + "', model: "
        + model
        + ", apiKeySecretRef: {name: llm, key: key}, messages: [{role: user, content: 'Hello'}]"
        + extra
        + "}\n";
  }

  static void create(String ns, String name, String policy, String steps) throws Exception {
    String yaml =
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: "
            + name
            + ", namespace: "
            + ns
            + "}\nspec:\n"
            + policy
            + "  steps:\n"
            + steps;
    client.resource(Json.YAML.readValue(yaml, AgentTask.class)).create();
  }

  static String phase(String ns, String name) {
    AgentTask t = client.resources(AgentTask.class).inNamespace(ns).withName(name).get();
    return t == null || t.getStatus() == null || t.getStatus().phase == null
        ? null
        : t.getStatus().phase.name();
  }
}
