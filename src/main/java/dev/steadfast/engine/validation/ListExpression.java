package dev.steadfast.engine.validation;

import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelType;
import dev.steadfast.engine.expr.Cel;
import dev.steadfast.engine.expr.ExpressionException;
import java.util.Set;

/**
 * forEach.items must yield a list. Values read from inputs or steps are only known at run time
 * (dyn), but a literal of another type — {@code 'a,b,c'}, {@code 3}, a map — is known to fail now,
 * so validate says so instead of the step failing InvalidSpec after earlier steps ran.
 */
final class ListExpression {
  private static final Set<CelKind> MAYBE_A_LIST =
      Set.of(CelKind.LIST, CelKind.DYN, CelKind.ANY, CelKind.ERROR, CelKind.TYPE_PARAM);

  private ListExpression() {}

  /** Why {@code expression} cannot be a list, or null when it is or may be one. */
  static String problem(Cel cel, String expression) {
    if (expression == null) {
      return null;
    }
    CelType type;
    try {
      type = cel.resultType(expression);
    } catch (ExpressionException e) {
      return null; // reported as not compiling
    }
    if (MAYBE_A_LIST.contains(type.kind())) {
      return null;
    }
    return "must yield a list, but this expression is always a "
        + type.name()
        + " (a CEL list is written ['a', 'b'])";
  }
}
