package dev.steadfast.engine.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.AgentTaskSpec;
import dev.steadfast.api.Budget;
import dev.steadfast.api.ClassifyRule;
import dev.steadfast.api.Fallback;
import dev.steadfast.api.HttpStep;
import dev.steadfast.api.LlmStep;
import dev.steadfast.api.Policy;
import dev.steadfast.api.Step;
import dev.steadfast.api.Tool;
import dev.steadfast.engine.expr.Cel;
import dev.steadfast.engine.expr.CelCost;
import dev.steadfast.engine.expr.ExpressionException;
import dev.steadfast.engine.expr.Template;
import dev.steadfast.engine.expr.UrlTemplate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Semantic checks the schema cannot make: every CEL expression compiles, every reference to a step
 * names an earlier step, llm steps say which model to call, and no URL takes its scheme or host
 * from anything but literal text and inputs.
 */
public final class SpecValidator {
  private static final Pattern STEP_REF =
      Pattern.compile(
          "steps\\s*(?:\\.\\s*([A-Za-z_][A-Za-z0-9_]*)|\\[\\s*['\"]([^'\"]+)['\"]\\s*])");

  private final Cel cel = Cel.tasks();
  private final SchemaCheck schemas = new SchemaCheck();

  public List<Problem> validate(AgentTaskSpec spec) {
    List<Problem> problems = new ArrayList<>();
    if (spec == null) {
      problems.add(new Problem("spec", "is required"));
      return problems;
    }
    if (spec.steps == null || spec.steps.isEmpty()) {
      problems.add(new Problem("spec.steps", "at least one step is required"));
      return problems;
    }
    checkPolicy(spec.policy, "spec.policy", problems);
    checkBudget(spec, problems);
    Set<String> earlier = new HashSet<>();
    Set<String> all = new HashSet<>();
    spec.steps.forEach(s -> all.add(s.name));
    for (int i = 0; i < spec.steps.size(); i++) {
      Step step = spec.steps.get(i);
      String path = "spec.steps[" + i + "]";
      if (step == null || step.name == null || step.name.isBlank()) {
        problems.add(new Problem(path + ".name", "is required"));
        continue;
      }
      if (!earlier.add(step.name)) {
        problems.add(new Problem(path + ".name", "step names must be unique"));
      }
      var scope = new Scope(step.name, earlier, all, problems, spec.inputs);
      checkStep(step, path, scope);
    }
    return problems;
  }

  /**
   * A budget holds back a model call that could exceed it, which needs a bound on what the call may
   * return: llm.maxTokens (Anthropic calls default to 1024, which the check counts).
   */
  private static void checkBudget(AgentTaskSpec spec, List<Problem> problems) {
    Budget budget = spec.budget;
    if (budget == null) {
      return;
    }
    if (budget.maxTokens != null && budget.maxTokens < 1) {
      problems.add(new Problem("spec.budget.maxTokens", "must be at least 1"));
    }
    if (budget.maxCost != null && budget.maxCost.signum() < 0) {
      problems.add(new Problem("spec.budget.maxCost", "must not be negative"));
    }
    for (int i = 0; i < spec.steps.size(); i++) {
      Step step = spec.steps.get(i);
      if (step == null) {
        continue;
      }
      LlmStep llm = step.llm != null ? step.llm : step.agent != null ? step.agent.llm : null;
      String at = "spec.steps[" + i + "]." + (step.llm != null ? "llm" : "agent.llm");
      boolean anthropic = llm != null && "anthropic".equalsIgnoreCase(String.valueOf(llm.api));
      if (llm != null && llm.maxTokens == null && !anthropic) {
        problems.add(
            new Problem(
                at + ".maxTokens",
                "is required when spec.budget is set: the budget check counts what a call may"
                    + " return"));
      }
    }
  }

  private record Scope(
      String step, Set<String> earlier, Set<String> all, List<Problem> out, JsonNode inputs) {}

  private void checkStep(Step step, String path, Scope scope) {
    int kinds =
        (step.http != null ? 1 : 0)
            + (step.llm != null ? 1 : 0)
            + (step.agent != null ? 1 : 0)
            + (step.job != null ? 1 : 0);
    if (kinds != 1) {
      scope.out.add(new Problem(path, "a step must set exactly one of http, llm, agent or job"));
    }
    expression(step.when, path + ".when", scope);
    if (step.classify != null) {
      var rules = new Scope("", Set.of(), Set.of(), scope.out, null);
      for (int i = 0; i < step.classify.size(); i++) {
        expression(step.classify.get(i).when, path + ".classify[" + i + "].when", rules);
      }
    }
    if (step.forEach != null) {
      expression(step.forEach.items, path + ".forEach.items", scope);
      String notAList = ListExpression.problem(cel, step.forEach.items);
      if (notAList != null) {
        scope.out.add(new Problem(path + ".forEach.items", notAList));
      }
      var tolerated = step.forEach.toleratedFailures;
      boolean ok =
          tolerated == null
              || (tolerated.getIntVal() != null && tolerated.getIntVal() >= 0)
              || (tolerated.getStrVal() != null
                  && tolerated.getStrVal().matches("^([0-9]{1,2}|100)%$"));
      if (!ok) {
        scope.out.add(
            new Problem(
                path + ".forEach.toleratedFailures",
                "must be a non-negative count or a percentage such as 10%"));
      }
    }
    if (step.http != null) {
      checkHttp(step.http, path + ".http", scope);
    }
    if (step.llm != null) {
      checkLlm(step.llm, path + ".llm", scope, true);
    }
    if (step.agent != null) {
      if (step.agent.llm == null) {
        scope.out.add(new Problem(path + ".agent.llm", "is required"));
      } else {
        checkLlm(step.agent.llm, path + ".agent.llm", scope, true);
      }
      List<Tool> tools = step.agent.tools == null ? List.of() : step.agent.tools;
      for (int t = 0; t < tools.size(); t++) {
        schema(tools.get(t).parameters, path + ".agent.tools[" + t + "].parameters", scope);
        if (tools.get(t).http == null) {
          scope.out.add(new Problem(path + ".agent.tools[" + t + "].http", "is required"));
        } else {
          checkHttp(tools.get(t).http, path + ".agent.tools[" + t + "].http", scope);
        }
      }
    }
    if (step.job != null) {
      templates(step.job.args, path + ".job.args", scope);
    }
    List<Fallback> fallbacks = step.fallbacks == null ? List.of() : step.fallbacks;
    for (int f = 0; f < fallbacks.size(); f++) {
      Fallback fb = fallbacks.get(f);
      String fp = path + ".fallbacks[" + f + "]";
      int set =
          (fb.llm != null ? 1 : 0)
              + (fb.http != null ? 1 : 0)
              + (fb.cache != null ? 1 : 0)
              + (fb.value != null ? 1 : 0);
      if (set != 1) {
        scope.out.add(
            new Problem(fp, "a fallback must set exactly one of llm, http, cache or value"));
      }
      if (fb.llm != null) {
        if (step.llm == null && step.agent == null) {
          scope.out.add(new Problem(fp + ".llm", "an llm fallback needs an llm or agent step"));
        }
        checkLlm(fb.llm, fp + ".llm", scope, false);
      }
      if (fb.http != null) {
        checkHttp(fb.http, fp + ".http", scope);
      }
    }
  }

  private void checkHttp(HttpStep http, String path, Scope scope) {
    template(http.url, path + ".url", scope);
    url(http.url, path + ".url", scope);
    if (http.headers != null) {
      http.headers.forEach((k, v) -> template(v, path + ".headers." + k, scope));
    }
    if (http.body != null) {
      templates(Template.strings(http.body), path + ".body", scope);
    }
    if (http.output != null) {
      expression(http.output.select, path + ".output.select", scope);
    }
  }

  private void checkLlm(LlmStep llm, String path, Scope scope, boolean complete) {
    if (complete) {
      if (llm.endpoint == null || llm.endpoint.isBlank()) {
        scope.out.add(new Problem(path + ".endpoint", "is required"));
      }
      if (llm.model == null || llm.model.isBlank()) {
        scope.out.add(new Problem(path + ".model", "is required"));
      }
      if (llm.messages == null || llm.messages.isEmpty()) {
        scope.out.add(new Problem(path + ".messages", "at least one message is required"));
      }
    }
    template(llm.endpoint, path + ".endpoint", scope);
    url(llm.endpoint, path + ".endpoint", scope);
    schema(llm.outputSchema, path + ".outputSchema", scope);
    if (llm.messages != null) {
      for (int m = 0; m < llm.messages.size(); m++) {
        template(llm.messages.get(m).content, path + ".messages[" + m + "].content", scope);
      }
    }
  }

  /** Semantic checks of a bare Policy (its CEL rules compile); fields are named under path. */
  public List<Problem> validatePolicy(Policy policy, String path) {
    List<Problem> problems = new ArrayList<>();
    checkPolicy(policy, path, problems);
    return problems;
  }

  private void checkPolicy(Policy policy, String path, List<Problem> out) {
    if (policy == null || policy.classify == null) {
      return;
    }
    var scope = new Scope("", Set.of(), Set.of(), out, null);
    for (int i = 0; i < policy.classify.size(); i++) {
      ClassifyRule rule = policy.classify.get(i);
      expression(rule.when, path + ".classify[" + i + "].when", scope);
    }
  }

  private void templates(List<String> values, String path, Scope scope) {
    if (values != null) {
      for (int i = 0; i < values.size(); i++) {
        template(values.get(i), path + "[" + i + "]", scope);
      }
    }
  }

  /** The scheme and host of a URL come from literal text and inputs only (docs/security.md). */
  private void url(String template, String path, Scope scope) {
    UrlTemplate.problems(cel, template, scope.inputs)
        .forEach(p -> scope.out.add(new Problem(path, p)));
  }

  private void schema(JsonNode schema, String path, Scope scope) {
    schemas.problems(schema).forEach(p -> scope.out.add(new Problem(path, p)));
  }

  private void template(String text, String path, Scope scope) {
    if (text != null && Template.unclosed(text)) {
      scope.out.add(
          new Problem(path, "has a {{ without its closing }}; write both, or no {{ at all"));
    }
    for (String expr : Template.expressions(text)) {
      expression(expr, path, scope);
    }
  }

  private void expression(String expr, String path, Scope scope) {
    if (expr == null) {
      return;
    }
    try {
      cel.compile(expr);
    } catch (ExpressionException e) {
      scope.out.add(new Problem(path, "CEL expression does not compile: " + e.getMessage()));
      return;
    }
    String tooExpensive = CelCost.problem(expr);
    if (tooExpensive != null) {
      scope.out.add(new Problem(path, tooExpensive));
    }
    Matcher m = STEP_REF.matcher(expr);
    while (m.find()) {
      String ref = m.group(1) != null ? m.group(1) : m.group(2);
      if (!scope.all.contains(ref)) {
        scope.out.add(new Problem(path, "references unknown step \"" + ref + "\""));
      } else if (!scope.earlier.contains(ref) || ref.equals(scope.step)) {
        scope.out.add(
            new Problem(
                path, "references step \"" + ref + "\", which has not run yet at this point"));
      }
    }
  }

  /** Visible for callers that only want to know whether an expression compiles. */
  public static boolean compiles(String expression) {
    try {
      Cel.tasks().compile(expression);
      return true;
    } catch (ExpressionException e) {
      return false;
    }
  }
}
