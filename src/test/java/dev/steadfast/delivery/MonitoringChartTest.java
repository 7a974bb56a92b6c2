package dev.steadfast.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.Json;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard and the PrometheusRule of the chart: off by default, as asked when on. */
class MonitoringChartTest {
  static final Path DASHBOARD = Chart.DIR.resolve("dashboards/steadfast.json");

  @Test
  void neitherIsRenderedByDefault() {
    Chart.Rendered r = Chart.render("");
    assertThat(r.all(ConfigMap.class))
        .noneMatch(cm -> cm.getMetadata().getName().endsWith("-dashboard"));
    assertThat(r.kind("PrometheusRule")).isEmpty();
  }

  @Test
  void theDashboardConfigMapCarriesTheGrafanaLabelAndTheDashboardUnchanged() throws Exception {
    Chart.Rendered r =
        Chart.render(
            """
            dashboard:
              enabled: true
              namespace: monitoring
              labels: {team: platform}
              annotations: {grafana_folder: Steadfast}
            """);
    ConfigMap cm = r.named(ConfigMap.class, "monitoring", "steadfast-dashboard");
    assertThat(cm.getMetadata().getLabels())
        .containsEntry("grafana_dashboard", "1")
        .containsEntry("team", "platform")
        .containsEntry("app.kubernetes.io/name", "steadfast");
    assertThat(cm.getMetadata().getAnnotations()).containsEntry("grafana_folder", "Steadfast");
    JsonNode shipped = Json.MAPPER.readTree(cm.getData().get("steadfast.json"));
    assertThat(shipped).isEqualTo(Json.MAPPER.readTree(Files.readString(DASHBOARD)));
    // Importable anywhere: the data source and the namespaces are variables, not fixed names.
    assertThat(shipped.at("/templating/list/0/type").asText()).isEqualTo("datasource");
    assertThat(shipped.at("/templating/list/1/name").asText()).isEqualTo("namespace");
    for (JsonNode panel : shipped.get("panels")) {
      assertThat(panel.at("/datasource/uid").asText())
          .as(panel.toString())
          .isEqualTo("${datasource}");
    }
    assertThat(shipped.findValuesAsText("title"))
        .contains(
            "Tasks by phase",
            "Attempts by tier",
            "Failed attempts by reason",
            "Circuit breakers by state",
            "Loop detections (1h)",
            "Step latency p50 / p99",
            "Tokens by namespace and model",
            "Cost by namespace and model (1h)",
            "429s by endpoint",
            "Adaptive limits by endpoint");

    assertThat(
            Chart.render("dashboard: {enabled: true, labels: {grafana_dashboard: \"1\"}}")
                .named(ConfigMap.class, Chart.NAMESPACE, "steadfast-dashboard")
                .getMetadata()
                .getNamespace())
        .isEqualTo(Chart.NAMESPACE);
  }

  @Test
  void theRuleHasEveryAlertWithARunbookAndTheChosenDurations() {
    Chart.Rendered r =
        Chart.render(
            """
            prometheusRule:
              enabled: true
              labels: {release: prom}
              breakerOpenFor: 20m
              runbookUrl: https://docs.example.com/steadfast/monitoring
            metrics: {serviceMonitor: {enabled: true}}
            """);
    GenericKubernetesResource rule = (GenericKubernetesResource) r.kind("PrometheusRule").get(0);
    assertThat(rule.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(rule.getMetadata().getNamespace()).isEqualTo(Chart.NAMESPACE);
    assertThat(rule.getMetadata().getLabels()).containsEntry("release", "prom");
    List<Map<String, Object>> rules = rules(rule);
    assertThat(rules)
        .extracting(x -> x.get("alert"))
        .containsExactly(
            "SteadfastOperatorDown",
            "SteadfastOperatorNotReady",
            "SteadfastTasksStalled",
            "SteadfastTaskStuckWaiting",
            "SteadfastBreakerOpen",
            "SteadfastBudgetExhausted",
            "SteadfastRateLimited");
    for (Map<String, Object> alert : rules) {
      @SuppressWarnings("unchecked")
      Map<String, String> annotations = (Map<String, String>) alert.get("annotations");
      assertThat(annotations.get("summary")).as("%s", alert).isNotBlank();
      assertThat(annotations.get("description")).as("%s", alert).isNotBlank().doesNotContain("\n");
      String anchor = alert.get("alert").toString().toLowerCase();
      assertThat(annotations.get("runbook_url"))
          .isEqualTo("https://docs.example.com/steadfast/monitoring#" + anchor);
      assertThat(PromQl.unbalanced(alert.get("expr").toString())).as("%s", alert).isNull();
    }
    assertThat(byName(rules, "SteadfastBreakerOpen").get("for")).isEqualTo("20m");
    assertThat(byName(rules, "SteadfastTasksStalled").get("for")).isEqualTo("15m");
    assertThat(byName(rules, "SteadfastTaskStuckWaiting").get("for")).isEqualTo("10m");
    assertThat(byName(rules, "SteadfastTaskStuckWaiting").get("expr").toString())
        .contains("steadfast_waiting_oldest_seconds")
        .endsWith("> 3600");
    // up is written per scrape target; the ServiceMonitor's job is the metrics Service's name.
    String service = r.one(Service.class).getMetadata().getName();
    assertThat(byName(rules, "SteadfastOperatorDown").get("expr").toString())
        .contains("up{job=\"" + service + "\", namespace=\"" + Chart.NAMESPACE + "\"}");
    GenericKubernetesResource monitor = (GenericKubernetesResource) r.kind("ServiceMonitor").get(0);
    // Otherwise Prometheus renames the tenants' namespace label to exported_namespace.
    assertThat(monitor.<Boolean>get("spec", "endpoints", 0, "honorLabels")).isTrue();
  }

  @Test
  void everyAlertDescriptionInTheDocsRunbookHasItsSection() throws Exception {
    String docs = Files.readString(Path.of("docs", "monitoring.md"));
    for (Map<String, Object> alert :
        rules(
            (GenericKubernetesResource)
                Chart.render("prometheusRule: {enabled: true}").kind("PrometheusRule").get(0))) {
      assertThat(docs).contains("### " + alert.get("alert"));
    }
  }

  @Test
  void aMistypedDurationIsRefusedAtInstall() {
    assertThatThrownBy(() -> Chart.render("prometheusRule: {enabled: true, breakerOpenFor: ten}"))
        .hasMessageContaining("breakerOpenFor");
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> rules(GenericKubernetesResource rule) {
    return (List<Map<String, Object>>) rule.<Object>get("spec", "groups", 0, "rules");
  }

  static Map<String, Object> byName(List<Map<String, Object>> rules, String alert) {
    return rules.stream().filter(x -> alert.equals(x.get("alert"))).findFirst().orElseThrow();
  }
}
