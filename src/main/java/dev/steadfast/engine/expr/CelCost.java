package dev.steadfast.engine.expr;

import dev.cel.common.ast.CelExpr;

/**
 * The cost limits of CEL (docs/security.md), in the units Kubernetes uses for its own CEL rules:
 * roughly one per node evaluated, plus the size of the lists, maps and strings (per 10 characters)
 * that a function call walks.
 *
 * <p>Two checks, as the API server makes them for {@code x-kubernetes-validations}: a static
 * estimate at {@code validate} time refuses an expression whose worst case is too expensive before
 * it runs, and a runtime budget ({@link CostMeter} plus cel-java's own comprehension iteration
 * limit) stops the evaluations the estimate could not foresee. Task data has no schema, so the
 * estimate assumes {@link #ASSUMED_LIST_SIZE} elements for any list it cannot see (list literals
 * count exactly): one comprehension, or two nested with a small body, over task data pass; three
 * nested (cost growing with the cube of the input) are refused, as is deep nesting over a large
 * literal.
 */
public final class CelCost {
  /**
   * Budget of one evaluation, the API server's per-call limit: about 0.1 s of one core with the JIT
   * warm, under a second cold (CpuWorstCaseBenchmark), and enough for a filter() over 40,000 items.
   */
  public static final long RUNTIME_LIMIT = 1_000_000;

  /** Budget of all evaluations of one decision of the task engine together ({@link CelBudget}). */
  public static final long DECISION_LIMIT = 10 * RUNTIME_LIMIT;

  /**
   * Comprehension iterations of one evaluation, all comprehensions together (cel-java's own limit,
   * {@code CelOptions.comprehensionMaxIterations}); the cheapest loop body costs ~5, so this stops
   * a bare nested loop before the cost budget does.
   */
  public static final int MAX_ITERATIONS = 100_000;

  /**
   * What validate allows an expression's estimated worst case to cost. Higher than the runtime
   * budget, as the API server's is (10M estimated vs 1M per call), because the estimate assumes
   * list sizes it cannot see: it is there to refuse what grows with the cube of the input, while
   * the runtime budget stops what the actual input makes too expensive.
   */
  public static final long ESTIMATE_LIMIT = 20 * RUNTIME_LIMIT;

  /** Elements assumed for a list or map whose size the spec does not fix. */
  static final long ASSUMED_LIST_SIZE = 1_000;

  private CelCost() {}

  /**
   * Why validate refuses this expression (its estimated cost is over {@link #ESTIMATE_LIMIT}), or
   * null when it is cheap enough; expressions that do not compile are the compiler's to report.
   */
  public static String problem(String expression) {
    long cost;
    try {
      cost = Cel.tasks().estimatedCost(expression);
    } catch (ExpressionException e) {
      return null;
    }
    if (cost <= ESTIMATE_LIMIT) {
      return null;
    }
    return "CEL expression is too expensive: its estimated worst-case cost "
        + (cost == Long.MAX_VALUE ? "overflows" : "is " + cost)
        + ", the limit is "
        + ESTIMATE_LIMIT
        + " (nested comprehensions such as all(), exists(), map() and filter() multiply; lists of"
        + " unknown size count as "
        + ASSUMED_LIST_SIZE
        + " elements)";
  }

  /** The estimated worst-case cost of a checked expression tree, saturating at Long.MAX_VALUE. */
  static long estimate(CelExpr e) {
    // Recursion is safe: cel-java's parser refuses expressions nested deeper than 250.
    return switch (e.getKind()) {
      case SELECT -> add(1, estimate(e.select().operand()));
      case CALL -> {
        long c = e.call().target().map(CelCost::estimate).orElse(1L);
        for (CelExpr arg : e.call().args()) {
          c = add(c, estimate(arg));
        }
        yield c;
      }
      case LIST -> {
        long c = 1;
        for (CelExpr el : e.list().elements()) {
          c = add(c, estimate(el));
        }
        yield c;
      }
      case MAP -> {
        long c = 1;
        for (var entry : e.map().entries()) {
          c = add(c, add(estimate(entry.key()), estimate(entry.value())));
        }
        yield c;
      }
      case STRUCT -> {
        long c = 1;
        for (var entry : e.struct().entries()) {
          c = add(c, estimate(entry.value()));
        }
        yield c;
      }
      case COMPREHENSION -> {
        var loop = e.comprehension();
        long perIteration = add(estimate(loop.loopCondition()), estimate(loop.loopStep()));
        long c = add(estimate(loop.iterRange()), estimate(loop.accuInit()));
        c = add(c, multiply(size(loop.iterRange()), perIteration));
        yield add(c, estimate(loop.result()));
      }
      default -> 1;
    };
  }

  private static long size(CelExpr range) {
    return switch (range.getKind()) {
      case LIST -> range.list().elements().size();
      case MAP -> range.map().entries().size();
      default -> ASSUMED_LIST_SIZE;
    };
  }

  private static long add(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  private static long multiply(long a, long b) {
    return Math.multiplyHigh(a, b) != 0 || a * b < 0 ? Long.MAX_VALUE : a * b;
  }
}
