package dev.steadfast.engine.expr;

/**
 * An evaluation stopped by the CEL cost limit (docs/security.md): the expression did more work than
 * {@link CelCost#RUNTIME_LIMIT} or {@link CelCost#MAX_ITERATIONS} allow. Callers that tolerate
 * other evaluation errors (classify rules) must not tolerate this one, or a hostile rule would
 * simply run to the limit on every failure.
 */
public final class CostLimitException extends ExpressionException {
  public CostLimitException(String expression, String message) {
    super(expression, message);
  }
}
