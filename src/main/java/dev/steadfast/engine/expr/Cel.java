package dev.steadfast.engine.expr;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelErrorCode;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * CEL, the expression language Kubernetes uses, compiled once per distinct expression. Every
 * variable is dynamic: task specs are free-form JSON, so types are checked at evaluation. Every
 * evaluation runs under the cost limits of {@link CelCost}, so a hostile expression cannot hold the
 * thread that evaluates it (a reconcile, an attempt) for longer than a fraction of a second.
 */
public final class Cel {
  /** Variables visible to task expressions (docs/tasks.md) and classify rules. */
  public static final String[] TASK_VARIABLES = {
    "inputs", "steps", "item", "index", "task", "response", "error", "args"
  };

  private static final CelOptions OPTIONS =
      CelOptions.current().comprehensionMaxIterations(CelCost.MAX_ITERATIONS).build();
  // After OPTIONS: static fields initialise in order.
  private static final Cel TASK = new Cel(TASK_VARIABLES);

  private final java.util.concurrent.atomic.AtomicLong compilations =
      new java.util.concurrent.atomic.AtomicLong();
  private final CelCompiler compiler;
  private final CelRuntime runtime;

  /** A compiled expression and the largest node id of its tree (for {@link CostMeter}). */
  private record Compiled(CelAbstractSyntaxTree ast, CelRuntime.Program program, int maxId) {}

  /**
   * One expression's compilation, done by the first thread that asks; the others wait for it. A
   * failure is kept too: the same text fails the same way.
   */
  private final class Once {
    private final String expression;
    private Compiled compiled;
    private ExpressionException failed;

    Once(String expression) {
      this.expression = expression;
    }

    synchronized Compiled get() {
      if (compiled == null && failed == null) {
        try {
          compiled = compileNow(expression);
        } catch (ExpressionException e) {
          failed = e;
        }
      }
      if (failed != null) {
        throw new ExpressionException(expression, failed.getMessage());
      }
      return compiled;
    }
  }

  // The map's lock is held only to find or add an entry, never while compiling: a cold start's
  // threads compile each rule once, and different rules at the same time.
  private final Map<String, Once> cache =
      Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Once> eldest) {
              return size() > 2048;
            }
          });

  public Cel(String... variables) {
    var builder =
        CelCompilerFactory.standardCelCompilerBuilder()
            .setOptions(OPTIONS)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addLibraries(CelExtensions.strings(), CelExtensions.encoders());
    for (String v : variables) {
      builder.addVar(v, SimpleType.DYN);
    }
    this.compiler = builder.build();
    this.runtime =
        CelRuntimeFactory.standardCelRuntimeBuilder()
            .setOptions(OPTIONS)
            .addLibraries(CelExtensions.strings(), CelExtensions.encoders())
            .build();
  }

  /** The shared instance for task expressions. */
  public static Cel tasks() {
    return TASK;
  }

  /** Compiles an expression, or throws with the compiler's message. */
  public CelRuntime.Program compile(String expression) {
    return compiled(expression).program();
  }

  /**
   * The estimated worst-case cost of an expression ({@link CelCost}); throws if it won't compile.
   */
  public long estimatedCost(String expression) {
    return CelCost.estimate(compiled(expression).ast().getExpr());
  }

  /** The type the checker gives an expression (dyn for anything read from inputs or steps). */
  public dev.cel.common.types.CelType resultType(String expression) {
    return compiled(expression).ast().getResultType();
  }

  private Compiled compiled(String expression) {
    return cache.computeIfAbsent(expression, Once::new).get();
  }

  private Compiled compileNow(String expression) {
    compilations.incrementAndGet();
    try {
      CelAbstractSyntaxTree ast = compiler.compile(expression).getAst();
      int maxId =
          (int)
              CelNavigableAst.fromAst(ast)
                  .getRoot()
                  .allNodes()
                  .mapToLong(n -> n.expr().id())
                  .max()
                  .orElse(0);
      return new Compiled(ast, runtime.createProgram(ast), maxId);
    } catch (CelValidationException e) {
      throw new ExpressionException(expression, firstLine(e.getMessage()));
    } catch (dev.cel.common.CelException e) {
      throw new ExpressionException(expression, firstLine(e.getMessage()));
    }
  }

  /** How many times an expression was compiled (not found in the cache), for tests. */
  long compilations() {
    return compilations.get();
  }

  /**
   * The task variables ({@link #TASK_VARIABLES}) an expression reads, from its syntax tree. A
   * comprehension variable that shadows one of them counts as that variable: erring towards "reads
   * more" is the safe side for the checks that use this.
   */
  public Set<String> variables(String expression) {
    CelAbstractSyntaxTree ast = compiled(expression).ast();
    Set<String> known = Set.of(TASK_VARIABLES);
    Set<String> out = new TreeSet<>();
    CelNavigableAst.fromAst(ast)
        .getRoot()
        .allNodes()
        .filter(n -> n.getKind() == CelExpr.ExprKind.Kind.IDENT)
        .map(n -> n.expr().ident().name())
        .filter(known::contains)
        .forEach(out::add);
    return out;
  }

  /** Evaluates to a CEL-native value (see {@link CelValues}). */
  public Object eval(String expression, Map<String, ?> variables) {
    Compiled compiled = compiled(expression);
    CostMeter meter = new CostMeter(CelCost.RUNTIME_LIMIT, compiled.maxId());
    try {
      return compiled.program().trace(variables, meter);
    } catch (CelEvaluationException e) {
      if (e.getCause() instanceof CostMeter.Exceeded exceeded) {
        throw new CostLimitException(expression, exceeded.getMessage());
      }
      if (e.getErrorCode() == CelErrorCode.ITERATION_BUDGET_EXCEEDED) {
        throw new CostLimitException(
            expression,
            "exceeded the CEL limit of " + CelCost.MAX_ITERATIONS + " comprehension iterations");
      }
      throw new ExpressionException(expression, firstLine(e.getMessage()));
    }
  }

  /** Evaluates to JSON. */
  public JsonNode evalJson(String expression, Map<String, ?> variables) {
    return CelValues.toJson(eval(expression, variables));
  }

  /** Evaluates a condition; anything but a boolean is an error naming the type found. */
  public boolean evalBoolean(String expression, Map<String, ?> variables) {
    Object result = eval(expression, variables);
    if (result instanceof Boolean b) {
      return b;
    }
    throw new ExpressionException(
        expression, "must yield a bool, got " + CelValues.typeName(result));
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "invalid expression";
    }
    // The compiler adds the expression and a caret on further lines; one line keeps `validate`
    // at one problem per line and status messages on one line.
    String m = message.strip().lines().findFirst().orElse("").strip();
    return m.length() > 500 ? m.substring(0, 500) + "…" : m;
  }
}
