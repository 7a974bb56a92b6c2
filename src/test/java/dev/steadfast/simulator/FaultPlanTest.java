package dev.steadfast.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FaultPlanTest {

  @Test
  void parsesRatesAndSchedules() {
    FaultPlan plan = FaultPlan.parse("429:0.2, timeout:0.1,500@1-2,401@3/gpt-4o");

    assertThat(plan.rates())
        .containsExactly(
            new FaultPlan.Rate(FaultKind.RATE_LIMITED, 0.2),
            new FaultPlan.Rate(FaultKind.TIMEOUT, 0.1));
    assertThat(plan.schedules())
        .containsExactly(
            new FaultPlan.Schedule(FaultKind.SERVER_ERROR, 1, 2, null),
            new FaultPlan.Schedule(FaultKind.UNAUTHORIZED, 3, 3, "gpt-4o"));
  }

  @Test
  void everyContractNameParses() {
    FaultPlan plan =
        FaultPlan.parse(
            "429@1,500@2,503@3,529@4,timeout@5,network@6,401@7,quota@8,context@9,"
                + "invalid-output@10,length@11");

    assertThat(plan.schedules())
        .extracting(s -> s.kind().id())
        .containsExactly(
            "429",
            "500",
            "503",
            "529",
            "timeout",
            "network",
            "401",
            "quota",
            "context",
            "invalid-output",
            "length");
  }

  @Test
  void modelNamesMayContainColonsAndSlashes() {
    FaultPlan plan = FaultPlan.parse("429@2-4/llama3:8b,500@1/meta-llama/Llama-3");

    assertThat(plan.schedules())
        .containsExactly(
            new FaultPlan.Schedule(FaultKind.RATE_LIMITED, 2, 4, "llama3:8b"),
            new FaultPlan.Schedule(FaultKind.SERVER_ERROR, 1, 1, "meta-llama/Llama-3"));
  }

  @Test
  void printsInTheFormItParses() {
    FaultPlan plan = FaultPlan.parse("429:0.2,timeout:0.1,500@1-2,401@3/gpt-4o");

    assertThat(plan.toString()).isEqualTo("429:0.2,timeout:0.1,500@1-2,401@3/gpt-4o");
    assertThat(FaultPlan.parse(plan.toString())).isEqualTo(plan);
  }

  @Test
  void blankMeansNoFaults() {
    assertThat(FaultPlan.parse(null).isEmpty()).isTrue();
    assertThat(FaultPlan.parse("  ").isEmpty()).isTrue();
  }

  @Test
  void buildsTheSamePlanProgrammatically() {
    FaultPlan plan = FaultPlan.none().rate("429", 0.2).schedule("500", 1, 2, "gpt-4o-mini");

    assertThat(plan).isEqualTo(FaultPlan.parse("429:0.2,500@1-2/gpt-4o-mini"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "429:0.2,boom:0.1 | boom:0.1",
        "429 | 429",
        "429:lots | 429:lots",
        "429:1.5 | 429:1.5",
        "500@0 | 500@0",
        "500@3-1 | 500@3-1",
        "500@x | 500@x",
        "500@1/ | 500@1/",
        "429:0.2,,500@1 | ''",
        "429:0.6,500:0.6 | 500:0.6",
        "429:0.1,429:0.2 | 429:0.2"
      })
  void rejectsBadEntriesNamingThem(String spec, String badEntry) {
    assertThatThrownBy(() -> FaultPlan.parse(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + badEntry + "'");
  }
}
