package dev.steadfast.engine.expr;

import com.google.protobuf.ByteString;
import dev.cel.common.ast.CelExpr;
import dev.cel.runtime.CelEvaluationListener;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * The runtime CEL budget of one evaluation (docs/security.md). cel-java 0.14 has no cost tracker,
 * but it reports every evaluated node to a {@link CelEvaluationListener}; this one charges 1 per
 * node plus, for a function call, the size of the lists, maps and strings it was handed (what
 * {@code in}, {@code ==}, {@code contains()}, {@code +} walk or copy), and stops the evaluation
 * when the total passes the limit. Deterministic, so the same task fails the same way on any
 * machine.
 */
final class CostMeter implements CelEvaluationListener {
  // Constant-time whatever their operands' size; charging them would make `xs[i]` in a loop look
  // quadratic.
  private static final Set<String> CONSTANT_TIME =
      Set.of("_[_]", "size", "_?_:_", "_&&_", "_||_", "!_", "@not_strictly_false");

  private final long limit;
  // The budget of the enclosing CelBudget scope, {remaining, limit}, or null.
  private final long[] shared;
  // The latest value of each node by expression id: a call's arguments are reported just before it.
  private final Object[] values;
  private long spent;

  CostMeter(long limit, int maxId) {
    this.limit = limit;
    this.values = new Object[maxId + 1];
    this.shared = CelBudget.current();
  }

  @Override
  public void callback(CelExpr expr, Object value) {
    long cost = 1;
    if (expr.getKind() == CelExpr.ExprKind.Kind.CALL
        && !CONSTANT_TIME.contains(expr.call().function())) {
      if (expr.call().target().isPresent()) {
        cost += weightOf(expr.call().target().get());
      }
      for (CelExpr arg : expr.call().args()) {
        cost += weightOf(arg);
      }
    }
    int id = (int) expr.id();
    if (id >= 0 && id < values.length) {
      values[id] = value;
    }
    spent += cost;
    if (spent > limit) {
      throw new Exceeded("exceeded the CEL cost limit of " + limit);
    }
    if (shared != null && (shared[0] -= cost) < 0) {
      throw new Exceeded(
          "exceeded the CEL cost limit of " + shared[1] + " for all expressions of one decision");
    }
  }

  long spent() {
    return spent;
  }

  private long weightOf(CelExpr arg) {
    // The accumulator of map()/filter() grows each iteration, but cel-java appends to it in place.
    if (arg.getKind() == CelExpr.ExprKind.Kind.IDENT && isAccumulator(arg.ident().name())) {
      return 1;
    }
    int id = (int) arg.id();
    return id >= 0 && id < values.length ? weight(values[id]) : 1;
  }

  private static boolean isAccumulator(String name) {
    return name.startsWith("__result__") || name.startsWith("@result");
  }

  static long weight(Object value) {
    if (value instanceof Collection<?> c) {
      return 1 + c.size();
    }
    if (value instanceof Map<?, ?> m) {
      return 1 + m.size();
    }
    if (value instanceof String s) {
      return 1 + s.length() / 10;
    }
    if (value instanceof ByteString b) {
      return 1 + b.size() / 10;
    }
    return 1;
  }

  /** Thrown through cel-java, which wraps it in its CelEvaluationException. */
  static final class Exceeded extends RuntimeException {
    Exceeded(String message) {
      super(message, null, false, false);
    }
  }
}
