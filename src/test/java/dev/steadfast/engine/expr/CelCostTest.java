package dev.steadfast.engine.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class CelCostTest {
  private final Cel cel = Cel.tasks();

  static String fourNestedAll(String list) {
    return list
        + ".all(a, "
        + list
        + ".all(b, "
        + list
        + ".all(c, "
        + list
        + ".all(d, a + b + c"
        + " + d >= 0))))";
  }

  static List<Long> numbers(int n) {
    return LongStream.range(0, n).boxed().toList();
  }

  static String literal(int n) {
    return numbers(n).toString();
  }

  @Test
  void nestedComprehensionsOverALargeListAreRefusedBeforeRunning() {
    assertThat(CelCost.problem(fourNestedAll("inputs.xs")))
        .startsWith("CEL expression is too expensive")
        .contains("limit is " + CelCost.ESTIMATE_LIMIT);
    assertThat(CelCost.problem(fourNestedAll(literal(300)))).startsWith("CEL expression is too");
    assertThat(CelCost.problem("inputs.xs.all(a, inputs.xs.all(b, inputs.xs.all(c, a < b)))"))
        .isNotNull();
  }

  @Test
  void ordinaryExpressionsPassTheEstimate() {
    for (String ok :
        List.of(
            "inputs.n > 3",
            "steps.fetch.output.items.filter(x, x.score > 0.5).map(x, x.id)",
            "steps.fetch.output.all(x, x.tags.all(t, t != ''))",
            "response.status == 429 && response.body.contains('quota')",
            fourNestedAll("[1, 2, 3]"))) {
      assertThat(CelCost.problem(ok)).as(ok).isNull();
    }
  }

  @Test
  void estimateMultipliesNestedLoopsAndCountsLiteralsExactly() {
    long one = cel.estimatedCost("inputs.xs.all(a, a > 0)");
    long two = cel.estimatedCost("inputs.xs.all(a, inputs.xs.all(b, a > b))");
    assertThat(two).isGreaterThan(one * (CelCost.ASSUMED_LIST_SIZE / 2));
    assertThat(cel.estimatedCost("[1, 2].all(a, a > 0)"))
        .isLessThan(cel.estimatedCost("[1, 2, 3, 4].all(a, a > 0)"));
    assertThat(cel.estimatedCost(fourNestedAll("inputs.xs"))).isPositive(); // saturates, no wrap
  }

  @Test
  void anEvaluationOverTheIterationLimitFailsWithItsOwnError() {
    // Passes the estimate (two loops), but 2,000 × 2,000 iterations are over the limit.
    String expr = "inputs.xs.all(a, inputs.xs.all(b, true))";
    assertThat(CelCost.problem(expr)).isNull();

    assertThatThrownBy(() -> cel.eval(expr, Map.of("inputs", Map.of("xs", numbers(2_000)))))
        .isInstanceOf(CostLimitException.class)
        .hasMessage(
            "exceeded the CEL limit of " + CelCost.MAX_ITERATIONS + " comprehension iterations");
  }

  @Test
  void anEvaluationOverTheCostLimitFailsWithItsOwnError() {
    // Only 1,000 iterations, but each `in` walks a 5,000-element list.
    String expr = "inputs.xs.all(a, a in inputs.ys)";
    assertThat(CelCost.problem(expr)).isNull();
    Map<String, Object> inputs = Map.of("xs", numbers(1_000), "ys", numbers(5_000));

    assertThatThrownBy(() -> cel.eval(expr, Map.of("inputs", inputs)))
        .isInstanceOf(CostLimitException.class)
        .hasMessage("exceeded the CEL cost limit of " + CelCost.RUNTIME_LIMIT);
  }

  @Test
  void linearWorkOverLargeDataStaysUnderTheLimits() {
    // map() appends to its accumulator in place; charging the accumulator's size each time would
    // make every map() over 20,000 items look quadratic.
    Object out =
        cel.eval(
            "inputs.xs.filter(x, x % 2 == 0).map(x, x * 2)",
            Map.of("inputs", Map.of("xs", numbers(20_000))));
    assertThat((List<?>) out).hasSize(10_000);
    assertThat(
            cel.evalBoolean(
                "inputs.xs.exists(x, x == 19999)", Map.of("inputs", Map.of("xs", numbers(20_000)))))
        .isTrue();
  }

  @Test
  void evaluationsInOneScopeShareItsBudget() {
    Map<String, Object> vars = Map.of("inputs", Map.of("xs", numbers(10_000)));
    String expr = "inputs.xs.all(x, x >= 0)"; // ~60,000 each, well under the per-call limit
    cel.eval(expr, vars);

    assertThatThrownBy(
            () ->
                CelBudget.scope(
                    200_000,
                    () -> {
                      for (int i = 0; i < 10; i++) {
                        cel.eval(expr, vars);
                      }
                      return null;
                    }))
        .isInstanceOf(CostLimitException.class)
        .hasMessage("exceeded the CEL cost limit of 200000 for all expressions of one decision");
    cel.eval(expr, vars); // outside the scope again
  }

  @Test
  void hugeStringsBuiltInALoopAreCharged() {
    String big = "x".repeat(500_000);
    assertThatThrownBy(
            () ->
                cel.eval(
                    "inputs.xs.all(a, (inputs.s + inputs.s).size() > 0)",
                    Map.of("inputs", Map.of("xs", numbers(1_000), "s", big))))
        .isInstanceOf(CostLimitException.class);
  }
}
