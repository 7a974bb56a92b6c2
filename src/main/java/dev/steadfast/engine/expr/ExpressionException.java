package dev.steadfast.engine.expr;

/** A CEL expression that does not compile or cannot be evaluated. */
public class ExpressionException extends RuntimeException {
  private final String expression;

  public ExpressionException(String expression, String message) {
    super(message);
    this.expression = expression;
  }

  public String expression() {
    return expression;
  }
}
