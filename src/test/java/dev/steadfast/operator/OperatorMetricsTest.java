package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OperatorMetricsTest {
  Map<String, Long> phases = new HashMap<>(Map.of("Running", 3L, "Failed", 1L));
  AtomicReference<Map<String, String>> breakers =
      new AtomicReference<>(Map.of("api.openai.com", "OPEN"));
  OperatorMetrics metrics = new OperatorMetrics(() -> phases, breakers::get);

  @Test
  void countersAndTimerAppearAfterUse() {
    metrics.attempt("Transient", "RateLimited");
    metrics.attempt("Transient", "RateLimited");
    metrics.attempt("Succeeded", "Succeeded");
    metrics.stepDuration("llm", Duration.ofMillis(1200));
    metrics.loopDetected();
    metrics.checkpointWrite(OperatorMetrics.CONFLICT);

    String text = metrics.scrape();

    assertThat(text)
        .contains("steadfast_attempts_total{reason=\"RateLimited\",tier=\"Transient\"} 2.0")
        .contains("steadfast_attempts_total{reason=\"Succeeded\",tier=\"Succeeded\"} 1.0")
        .contains("steadfast_step_duration_seconds_count{kind=\"llm\"} 1")
        .contains("steadfast_step_duration_seconds_sum{kind=\"llm\"} 1.2")
        .contains("steadfast_step_duration_seconds_bucket{kind=\"llm\",le=\"5.0\"} 1")
        .contains("steadfast_step_duration_seconds_bucket{kind=\"llm\",le=\"1.0\"} 0")
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
  void taskGaugeReadsTheSupplierAtEachScrapeWithEveryPhase() {
    assertThat(metrics.scrape())
        .contains("steadfast_tasks{phase=\"Running\"} 3.0")
        .contains("steadfast_tasks{phase=\"Failed\"} 1.0")
        .contains("steadfast_tasks{phase=\"Succeeded\"} 0.0");

    phases.put("Running", 5L);

    assertThat(metrics.scrape()).contains("steadfast_tasks{phase=\"Running\"} 5.0");
  }

  @Test
  void breakerGaugeIsOneForTheCurrentStateAndFollowsKeys() {
    assertThat(metrics.scrape())
        .contains("steadfast_breaker_state{key=\"api.openai.com\",state=\"OPEN\"} 1.0")
        .contains("steadfast_breaker_state{key=\"api.openai.com\",state=\"CLOSED\"} 0.0")
        .contains("steadfast_breaker_state{key=\"api.openai.com\",state=\"HALF_OPEN\"} 0.0");

    breakers.set(Map.of("localhost:8089", "HALF_OPEN"));
    String text = metrics.scrape();

    assertThat(text)
        .contains("steadfast_breaker_state{key=\"localhost:8089\",state=\"HALF_OPEN\"} 1.0")
        .doesNotContain("api.openai.com");
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
  void jvmMetricsAreBound() {
    assertThat(metrics.scrape())
        .contains("jvm_memory_used_bytes")
        .contains("jvm_threads_live_threads")
        .contains("system_cpu_count");
  }
}
