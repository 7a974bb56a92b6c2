package dev.steadfast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiRequestCountsTest {
  static final String BEFORE =
      """
      # HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.
      # TYPE apiserver_request_total counter
      apiserver_request_total{code="200",component="apiserver",dry_run="",group="steadfast.dev",resource="agenttasks",scope="resource",subresource="status",verb="PUT",version="v1alpha1"} 10
      apiserver_request_total{code="409",component="apiserver",dry_run="",group="steadfast.dev",resource="agenttasks",scope="resource",subresource="status",verb="PUT",version="v1alpha1"} 1
      apiserver_request_total{code="201",component="apiserver",dry_run="",group="steadfast.dev",resource="agenttasks",scope="resource",subresource="",verb="POST",version="v1alpha1"} 5
      apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="",scope="",subresource="/metrics",verb="GET",version=""} 3
      apiserver_request_total_other{code="200",resource="secrets",verb="GET"} 99
      """;

  @Test
  void countsByVerbAndResourceWithTheCodeOnlyWhenNot2xx() {
    ApiRequestCounts counts = ApiRequestCounts.parse(BEFORE);

    assertThat(counts.byKind())
        .containsOnlyKeys("PUT agenttasks/status", "PUT agenttasks/status (409)", "POST agenttasks")
        .containsEntry("PUT agenttasks/status", 10.0);
  }

  @Test
  void theDifferenceLeavesOutWhatDidNotChangeAndWhatTheBenchmarkSent() {
    String after =
        BEFORE
                .replace("v1alpha1\"} 10", "v1alpha1\"} 22")
                .replace(
                    "verb=\"POST\",version=\"v1alpha1\"} 5",
                    "verb=\"POST\",version=\"v1alpha1\"} 9")
            + "apiserver_request_total{code=\"201\",component=\"apiserver\",dry_run=\"\","
            + "group=\"\",resource=\"events\",scope=\"resource\",subresource=\"\",verb=\"POST\","
            + "version=\"v1\"} 6\n";

    ApiRequestCounts used =
        ApiRequestCounts.parse(after)
            .since(ApiRequestCounts.parse(BEFORE))
            .minus("POST agenttasks", 4);

    assertThat(used.byKind())
        .containsOnlyKeys("PUT agenttasks/status", "POST events")
        .containsEntry("PUT agenttasks/status", 12.0)
        .containsEntry("POST events", 6.0);
    assertThat(used.statusWrites()).isEqualTo(12.0);
    assertThat(used.events()).isEqualTo(6.0);
    assertThat(used.per(6)).isEqualTo("PUT agenttasks/status 2.00, POST events 1.00");
  }
}
