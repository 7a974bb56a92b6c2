package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.TaskPhase;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OperatorMetricsTest {
  static final dev.steadfast.engine.policy.BreakerSpec BREAKER =
      new dev.steadfast.engine.policy.BreakerSpec(null, 50, 4, 4, Duration.ofSeconds(60), 2);

  Map<String, Long> phases = new HashMap<>(Map.of("Running", 3L, "Failed", 1L));
  Map<String, Map<String, Long>> tasks = new HashMap<>(Map.of("team-a", phases));
  AtomicReference<Map<String, Map<String, Long>>> breakers =
      new AtomicReference<>(Map.of("team-a", Map.of("OPEN", 1L, "CLOSED", 2L)));
  OperatorMetrics metrics = new OperatorMetrics(() -> tasks, breakers::get);

  @Test
  void countersAndTimerAppearAfterUse() {
    metrics.attempt("team-a", "Transient", "RateLimited");
    metrics.attempt("team-a", "Transient", "RateLimited");
    metrics.attempt("team-b", "Transient", "RateLimited");
    metrics.attempt("team-a", "Succeeded", "Succeeded");
    metrics.stepDuration("team-a", "llm", Duration.ofMillis(1200));
    metrics.loopDetected();
    metrics.checkpointWrite(OperatorMetrics.CONFLICT);

    String text = metrics.scrape();

    assertThat(text)
        .contains(
            "steadfast_attempts_total{namespace=\"team-a\",reason=\"RateLimited\",tier=\"Transient\"} 2.0")
        .contains(
            "steadfast_attempts_total{namespace=\"team-b\",reason=\"RateLimited\",tier=\"Transient\"} 1.0")
        .contains(
            "steadfast_attempts_total{namespace=\"team-a\",reason=\"Succeeded\",tier=\"Succeeded\"} 1.0")
        .contains("steadfast_step_duration_seconds_count{kind=\"llm\",namespace=\"team-a\"} 1")
        .contains("steadfast_step_duration_seconds_sum{kind=\"llm\",namespace=\"team-a\"} 1.2")
        .contains(
            "steadfast_step_duration_seconds_bucket{kind=\"llm\",namespace=\"team-a\",le=\"5.0\"} 1")
        .contains(
            "steadfast_step_duration_seconds_bucket{kind=\"llm\",namespace=\"team-a\",le=\"1.0\"} 0")
        .contains("steadfast_loop_detections_total 1.0")
        .contains("steadfast_checkpoint_writes_total{result=\"conflict\"} 1.0");
  }

  @Test
  void checkpointResultsAndLoopCounterStartAtZero() {
    assertThat(metrics.scrape())
        .contains("steadfast_checkpoint_writes_total{result=\"ok\"} 0.0")
        .contains("steadfast_checkpoint_writes_total{result=\"conflict\"} 0.0")
        .contains("steadfast_checkpoint_writes_total{result=\"error\"} 0.0")
        .contains("steadfast_loop_detections_total 0.0");
  }

  @Test
  void taskGaugeReadsTheSupplierAtEachScrapeWithEveryPhasePerNamespace() {
    assertThat(metrics.scrape())
        .contains("steadfast_tasks{namespace=\"team-a\",phase=\"Running\"} 3.0")
        .contains("steadfast_tasks{namespace=\"team-a\",phase=\"Failed\"} 1.0")
        .contains("steadfast_tasks{namespace=\"team-a\",phase=\"Succeeded\"} 0.0");

    phases.put("Running", 5L);
    tasks.put("team-b", Map.of("Waiting", 2L));

    assertThat(metrics.scrape())
        .contains("steadfast_tasks{namespace=\"team-a\",phase=\"Running\"} 5.0")
        .contains("steadfast_tasks{namespace=\"team-b\",phase=\"Waiting\"} 2.0")
        .contains("steadfast_tasks{namespace=\"team-b\",phase=\"Running\"} 0.0");

    tasks.remove("team-a");

    assertThat(metrics.scrape()).doesNotContain("namespace=\"team-a\",phase");
  }

  @Test
  void theLongestWaitPerNamespaceIsExportedInSecondsAndZeroWhenNoneWaits() {
    metrics.clock(
        java.time.Clock.fixed(java.time.Instant.parse("2026-01-01T12:00:00Z"), ZoneOffset.UTC));
    tasks.put("team-b", Map.of("Running", 1L));
    metrics.checkpointed(
        new ResourceID("stuck", "team-a"),
        WaitingTasksTest.status(TaskPhase.Waiting, "2026-01-01T11:45:00Z"));

    assertThat(metrics.scrape())
        .contains("steadfast_waiting_oldest_seconds{namespace=\"team-a\"} 900.0")
        .contains("steadfast_waiting_oldest_seconds{namespace=\"team-b\"} 0.0");

    metrics.forget(new ResourceID("stuck", "team-a"));

    assertThat(metrics.scrape())
        .contains("steadfast_waiting_oldest_seconds{namespace=\"team-a\"} 0.0");
  }

  @Test
  void budgetHoldsAndRateLimitedCallsAreCountedByNamespaceAndHost() {
    metrics.budgetExhausted("team-a");
    metrics.rateLimited("api.openai.com");
    metrics.rateLimited("api.openai.com");

    assertThat(metrics.scrape())
        .contains("steadfast_budget_exhausted_total{namespace=\"team-a\"} 1.0")
        .contains("steadfast_endpoint_rate_limited_total{endpoint=\"api.openai.com\"} 2.0");
  }

  @Test
  void readyFollowsTheOperatorAndSaysZeroWhenNot() {
    java.util.concurrent.atomic.AtomicBoolean ready =
        new java.util.concurrent.atomic.AtomicBoolean();
    metrics.ready(ready::get);

    assertThat(metrics.scrape()).contains("steadfast_ready 0.0");
    ready.set(true);
    assertThat(metrics.scrape()).contains("steadfast_ready 1.0");
  }

  @Test
  void breakersAreCountedPerNamespaceAndStateWithoutTheirKeys() {
    assertThat(metrics.scrape())
        .contains("steadfast_breakers{namespace=\"team-a\",state=\"OPEN\"} 1.0")
        .contains("steadfast_breakers{namespace=\"team-a\",state=\"CLOSED\"} 2.0")
        .contains("steadfast_breakers{namespace=\"team-a\",state=\"HALF_OPEN\"} 0.0")
        .doesNotContain("key=")
        .doesNotContain("steadfast_breaker_state");

    breakers.set(Map.of("team-b", Map.of("HALF_OPEN", 1L)));
    String text = metrics.scrape();

    assertThat(text)
        .contains("steadfast_breakers{namespace=\"team-b\",state=\"HALF_OPEN\"} 1.0")
        .doesNotContain("namespace=\"team-a\",state");
  }

  @Test
  void breakersOfTheSameKeyInManyNamespacesAddNoSeriesPerKey() {
    // What the operator's Breakers report for 50 tenants that each chose 20 different keys.
    var real =
        new dev.steadfast.engine.breaker.Breakers(
            java.time.Clock.systemUTC(), dev.steadfast.engine.breaker.BreakerStore.NONE);
    for (int ns = 0; ns < 50; ns++) {
      for (int k = 0; k < 20; k++) {
        real.get("ns-" + ns, "key-" + k + "-" + ns, BREAKER);
      }
    }
    OperatorMetrics m = new OperatorMetrics(Map::of, real::countsByNamespace);

    long series = m.scrape().lines().filter(l -> l.startsWith("steadfast_breakers{")).count();

    assertThat(series).isEqualTo(50 * 3);
    assertThat(m.scrape()).contains("steadfast_breakers{namespace=\"ns-7\",state=\"CLOSED\"} 20.0");
  }

  @Test
  void aFailingSupplierDoesNotBreakTheScrape() {
    OperatorMetrics broken =
        new OperatorMetrics(
            () -> {
              throw new IllegalStateException("informer not synced");
            },
            Map::of);
    broken.loopDetected();

    assertThat(broken.scrape()).contains("steadfast_loop_detections_total 1.0");
  }

  @Test
  void slotsInUseAndWaitingPerNamespaceFollowThePoolAndVanishWhenEmpty() {
    List<Runnable> threads = new ArrayList<>();
    FairSlots slots = new FairSlots(2, threads::add);
    OperatorMetrics m = new OperatorMetrics(Map::of, Map::of, slots::usage);
    for (int i = 0; i < 3; i++) {
      slots.submit("team-a", new FutureTask<Void>(() -> {}, null));
    }
    slots.submit("team-b", new FutureTask<Void>(() -> {}, null));

    assertThat(m.scrape())
        .contains("steadfast_slots_in_use{namespace=\"team-a\"} 2.0")
        .contains("steadfast_slots_waiting{namespace=\"team-a\"} 1.0")
        .contains("steadfast_slots_in_use{namespace=\"team-b\"} 0.0")
        .contains("steadfast_slots_waiting{namespace=\"team-b\"} 1.0");

    while (!threads.isEmpty()) {
      threads.remove(0).run();
    }

    assertThat(m.scrape()).doesNotContain("team-a").doesNotContain("team-b");
  }

  @Test
  void jvmMetricsAreBound() {
    assertThat(metrics.scrape())
        .contains("jvm_memory_used_bytes")
        .contains("jvm_threads_live_threads")
        .contains("system_cpu_count");
  }

  @Test
  void labelValuesATenantChoosesAreBoundedPerNamespace() {
    // Reasons of a tenant's own classify rules: the first LIMIT of a namespace keep their name,
    // later ones count as "other"; the taxonomy's reasons and other namespaces are unaffected.
    for (int i = 0; i < LabelValues.LIMIT + 50; i++) {
      metrics.attempt("team-a", "Fatal", "CustomReason" + i);
    }
    metrics.attempt("team-a", "Transient", "RateLimited");
    metrics.attempt("team-b", "Fatal", "CustomReason" + (LabelValues.LIMIT + 10));
    for (int i = 0; i < LabelValues.LIMIT + 20; i++) {
      metrics.rateLimited("h" + i + ".example.com");
    }

    String text = metrics.scrape();
    long teamASeries =
        text.lines()
            .filter(
                l -> l.startsWith("steadfast_attempts_total{namespace=\"team-a\",reason=\"Custom"))
            .count();
    assertThat(teamASeries).isEqualTo(LabelValues.LIMIT);
    assertThat(text)
        .contains(
            "steadfast_attempts_total{namespace=\"team-a\",reason=\"other\",tier=\"Fatal\"} 50.0")
        .contains(
            "steadfast_attempts_total{namespace=\"team-a\",reason=\"RateLimited\",tier=\"Transient\"} 1.0")
        .contains(
            "steadfast_attempts_total{namespace=\"team-b\",reason=\"CustomReason"
                + (LabelValues.LIMIT + 10)
                + "\",tier=\"Fatal\"} 1.0")
        .contains("steadfast_endpoint_rate_limited_total{endpoint=\"other\"} 20.0");
  }

  @Test
  void aLabelKeepsItsFirstValuesAndCountsTheRestAsOther() {
    LabelValues values = new LabelValues();
    for (int i = 0; i < LabelValues.LIMIT; i++) {
      assertThat(values.of("model", "ns", "m" + i)).isEqualTo("m" + i);
    }
    assertThat(values.of("model", "ns", "m0")).isEqualTo("m0");
    assertThat(values.of("model", "ns", "new")).isEqualTo(LabelValues.OTHER);
    assertThat(values.of("model", "other-ns", "new")).isEqualTo("new");
    assertThat(values.of("reason", "ns", "new")).isEqualTo("new");
  }
}
