package dev.steadfast.bench;

import dev.steadfast.api.AgentTaskSpec;
import dev.steadfast.engine.expr.Cel;
import dev.steadfast.engine.expr.CelCost;
import dev.steadfast.engine.expr.ExpressionException;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.llm.OutputValidator;
import dev.steadfast.engine.validation.SpecValidator;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * Worst-case CPU of hostile task input (docs/security.md): a CEL bomb at validate time and at run
 * time, CEL that passes the estimate but is expensive on its input, and model replies shaped to
 * make the lenient JSON extractor work hard. Prints the first (cold JIT) and the median of the warm
 * runs.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.steadfast.bench.CpuWorstCaseBenchmark}
 */
public final class CpuWorstCaseBenchmark {
  private static final int WARM_RUNS = 9;

  public static void main(String[] args) throws Exception {
    System.out.printf(
        "CEL limits: runtime cost %,d, iterations %,d, estimate %,d%n",
        CelCost.RUNTIME_LIMIT, CelCost.MAX_ITERATIONS, CelCost.ESTIMATE_LIMIT);
    String xs = list(300);
    String bomb =
        "inputs.xs.all(a, inputs.xs.all(b, inputs.xs.all(c, inputs.xs.all(d, a+b+c+d >= 0))))";
    AgentTaskSpec spec =
        Json.YAML.readValue(
            "inputs: {xs: "
                + xs
                + "}\nsteps:\n  - name: a\n    when: '"
                + bomb
                + "'\n    http: {url: 'https://api.test/x'}\n",
            AgentTaskSpec.class);
    SpecValidator validator = new SpecValidator();
    time("validate: 4 nested all() over 300 inputs", () -> validator.validate(spec).toString());

    Map<String, Object> inputs =
        Map.of(
            "xs", numbers(300),
            "big", numbers(5_000),
            "many", numbers(20_000),
            "s", "x".repeat(500_000));
    time("run: the same bomb, evaluated anyway", () -> eval(bomb, inputs));
    time(
        "run: xs.all(a, a in big), 300 x 5,000",
        () -> eval("inputs.xs.all(a, a in inputs.big)", inputs));
    time(
        "run: 500 KB string concatenated per iteration",
        () -> eval("inputs.xs.all(a, (inputs.s + inputs.s).size() > 0)", inputs));
    time(
        "run: filter().map() over 20,000 (allowed)",
        () -> eval("inputs.many.filter(x, x % 2 == 0).map(x, x * 2).size()", inputs));

    OutputValidator output = new OutputValidator();
    StringBuilder nested = new StringBuilder();
    for (int i = 0; i < 900; i++) {
      nested.append("{\"a\":");
    }
    nested.append("1").append("}".repeat(900));
    List<List<String>> replies =
        List.of(
            List.of("{ x 200,000", "{".repeat(200_000)),
            List.of("[ x 200,000", "[".repeat(200_000)),
            List.of("\" x 200,000", "\"".repeat(200_000)),
            List.of("\"{ x 100,000", "\"{".repeat(100_000)),
            List.of("[1] x 50,000 then JSON", "[1] ".repeat(50_000) + "{\"ok\": true}"),
            List.of("valid JSON nested 900 deep", nested.toString()),
            List.of("{\"a\": x 40,000 (deep, unclosed)", "{\"a\": ".repeat(40_000)));
    for (List<String> reply : replies) {
      time(
          "parse: " + reply.get(0),
          () -> {
            var result = output.validate(reply.get(1), true, null, false);
            return result.valid() ? "valid" : result.problems().get(0);
          });
    }
  }

  private static String eval(String expression, Map<String, Object> inputs) {
    try {
      return String.valueOf(Cel.tasks().eval(expression, Map.of("inputs", inputs)));
    } catch (ExpressionException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  private static void time(String label, Supplier<String> work) {
    long t0 = System.nanoTime();
    String outcome = work.get();
    double cold = (System.nanoTime() - t0) / 1e6;
    double[] warm = new double[WARM_RUNS];
    for (int i = 0; i < WARM_RUNS; i++) {
      long t = System.nanoTime();
      work.get();
      warm[i] = (System.nanoTime() - t) / 1e6;
    }
    Arrays.sort(warm);
    System.out.printf(
        "%-46s cold %8.1f ms  warm %8.1f ms  -> %s%n",
        label, cold, warm[WARM_RUNS / 2], cap(outcome));
  }

  private static String cap(String s) {
    return s.length() > 90 ? s.substring(0, 90) + "…" : s;
  }

  private static List<Long> numbers(int n) {
    return LongStream.range(0, n).boxed().toList();
  }

  private static String list(int n) {
    return LongStream.range(0, n)
        .mapToObj(Long::toString)
        .collect(Collectors.joining(",", "[", "]"));
  }
}
