package dev.steadfast.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultDeciderTest {

  @Test
  void schedulesCountCallsPerModel() {
    FaultDecider decider = new FaultDecider(FaultPlan.parse("429@1-2/gpt-4o-mini"), 42);

    assertThat(faults(decider, "gpt-4o", "gpt-4o-mini", "gpt-4o", "gpt-4o-mini", "gpt-4o-mini"))
        .containsExactly(null, "429", null, "429", null);
  }

  @Test
  void schedulesWithoutModelCountAllCalls() {
    FaultDecider decider = new FaultDecider(FaultPlan.parse("500@2-3"), 42);

    assertThat(faults(decider, "a", "b", "a", "b")).containsExactly(null, "500", "500", null);
  }

  @Test
  void sameSeedSameFaultsDifferentSeedDifferentFaults() {
    FaultPlan plan = FaultPlan.parse("429:0.3,500:0.2");
    String[] models = new String[200];
    Arrays.fill(models, "m");

    List<String> first = faults(new FaultDecider(plan, 42), models);
    List<String> again = faults(new FaultDecider(plan, 42), models);
    List<String> other = faults(new FaultDecider(plan, 7), models);

    assertThat(first).isEqualTo(again).isNotEqualTo(other);
    assertThat(first.stream().filter("429"::equals).count()).isBetween(40L, 80L);
    assertThat(first.stream().filter("500"::equals).count()).isBetween(20L, 60L);
  }

  @Test
  void schedulesWinOverRatesWithoutShiftingThem() {
    String[] models = {"m", "m", "m", "m", "m", "m", "m", "m", "m", "m"};
    List<String> ratesOnly = faults(new FaultDecider(FaultPlan.parse("429:0.5"), 42), models);

    List<String> withSchedule =
        faults(new FaultDecider(FaultPlan.parse("429:0.5,network@1"), 42), models);

    assertThat(withSchedule.get(0)).isEqualTo("network");
    assertThat(withSchedule.subList(1, 10)).isEqualTo(ratesOnly.subList(1, 10));
  }

  @Test
  void resetStartsOver() {
    FaultDecider decider = new FaultDecider(FaultPlan.parse("429@1,500:0.5"), 42);
    List<String> before = faults(decider, "m", "m", "m", "m", "m");

    decider.reset();

    assertThat(faults(decider, "m", "m", "m", "m", "m")).isEqualTo(before);
  }

  private static List<String> faults(FaultDecider decider, String... models) {
    List<String> result = new ArrayList<>();
    for (String model : models) {
      FaultKind fault = decider.next(model).fault();
      result.add(fault == null ? null : fault.id());
    }
    return result;
  }
}
