package dev.steadfast.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {
  @Test
  void metricNamesLeaveOutFunctionsLabelsKeywordsAndVariables() {
    assertThat(
            PromQl.metricNames(
                "histogram_quantile(0.99, sum by (le, kind) (rate(steadfast_step_duration_seconds_bucket{kind=~\"llm|http\"}[$__rate_interval])))"))
        .containsExactly("steadfast_step_duration_seconds_bucket");
    assertThat(
            PromQl.metricNames(
                "absent(up{job=\"steadfast-metrics\", namespace=\"ops\"} == 1) or on (namespace) steadfast_ready offset 5m"))
        .containsExactly("up", "steadfast_ready");
    assertThat(PromQl.metricNames("sum(increase(steadfast_cost_total[1h])) > 1e3"))
        .containsExactly("steadfast_cost_total");
  }

  @Test
  void selectorLabelsAreTheLabelsEachMetricIsMatchedOn() {
    assertThat(
            PromQl.selectorLabels(
                "sum by (tier) (rate(steadfast_attempts_total{namespace=~\"$namespace\", tier!=\"a,b=\\\"c\"}[5m]))"
                    + " / on (namespace) steadfast_tasks{phase=\"Failed\"} + steadfast_ready"))
        .containsExactly(
            java.util.Map.entry("steadfast_attempts_total", java.util.Set.of("namespace", "tier")),
            java.util.Map.entry("steadfast_tasks", java.util.Set.of("phase")));
  }

  @Test
  void unbalancedBracketsAreFound() {
    assertThat(PromQl.unbalanced("sum(rate(x[5m]))")).isNull();
    assertThat(PromQl.unbalanced("sum(rate(x{a=\")\"}[5m]))")).isNull();
    assertThat(PromQl.unbalanced("sum(rate(x[5m])")).isEqualTo("unclosed '('");
    assertThat(PromQl.unbalanced("sum(rate(x[5m)))")).startsWith("unexpected ')'");
  }
}
