package dev.steadfast.cli.plugin;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.AttemptRecord;
import dev.steadfast.api.Condition;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Usage;
import dev.steadfast.engine.format.GoDuration;
import dev.steadfast.engine.status.Conditions;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What `steadfast describe` prints: the three questions of a person whose task is stuck — what
 * happened (conditions and each step's attempt timeline), what happens next and when (the waiting
 * line), and what they can do (command lines to copy). Pure: a task and the time in, text out.
 */
final class TaskDescription {
  /** The command a hint names: the kubectl plugin, the way most people reach a cluster. */
  static final String COMMAND = "kubectl steadfast";

  private TaskDescription() {}

  static String describe(AgentTask task, Instant now) {
    String name = task.getMetadata().getName();
    String ns = task.getMetadata().getNamespace();
    AgentTaskStatus s = task.getStatus() == null ? new AgentTaskStatus() : task.getStatus();
    StringBuilder out = new StringBuilder();
    field(out, "Name", name);
    field(out, "Namespace", ns);
    field(out, "Phase", s.phase == null ? "Pending" : s.phase.name());
    field(out, "Step", s.currentStep);
    field(out, "Attempts", s.attempts == null ? null : String.valueOf(s.attempts));
    field(out, "Started", s.startedAt);
    field(out, "Completed", s.completedAt);
    field(out, "Message", s.message);
    field(out, "Usage", usage(s.usage));
    if (s.forkedFrom != null) {
      field(
          out,
          "Forked from",
          s.forkedFrom.task
              + " at step "
              + s.forkedFrom.step
              + (s.forkedFrom.carried.isEmpty()
                  ? " (nothing carried)"
                  : " (carried " + String.join(", ", s.forkedFrom.carried) + ")"));
    }
    if (s.conditions != null && !s.conditions.isEmpty()) {
      out.append("\nConditions:\n");
      TextTable t = new TextTable("TYPE", "STATUS", "REASON", "MESSAGE");
      for (Condition c : s.conditions) {
        t.row(c.type, c.status, c.reason, c.message);
      }
      out.append(t.render("  "));
    }
    out.append("\nSteps:\n");
    if (s.steps == null || s.steps.isEmpty()) {
      out.append("  (none started yet)\n");
    } else {
      for (StepStatus step : s.steps) {
        steps(out, step);
      }
    }
    out.append('\n');
    field(out, "Waiting for", waitingFor(task, s, now));
    List<String> hints = hints(task, s);
    if (!hints.isEmpty()) {
      out.append("\nWhat you can do:\n");
      hints.forEach(h -> out.append("  ").append(h).append('\n'));
    }
    return out.toString();
  }

  private static void steps(StringBuilder out, StepStatus step) {
    out.append("  ")
        .append(step.name)
        .append("  ")
        .append(step.phase == null ? "Pending" : step.phase)
        .append("  attempts ")
        .append(step.attempts == null ? 0 : step.attempts);
    if (step.fallback != null) {
      out.append("  fallback ").append(step.fallback);
    }
    String used = usage(step.usage);
    if (used != null) {
      out.append("  ").append(used);
    }
    out.append('\n');
    if (step.historyDropped != null && step.historyDropped > 0) {
      out.append("    (").append(step.historyDropped).append(" earlier attempts not kept)\n");
    }
    List<AttemptRecord> history = step.history;
    if ((history == null || history.isEmpty()) && firstTrySuccess(step)) {
      // The status keeps no line for a step that succeeded at its first attempt: its own fields
      // are that line (docs/status.md#attempt-history).
      AttemptRecord only = new AttemptRecord();
      only.at = step.completedAt;
      only.attempt = 1;
      only.outcome = "Succeeded";
      only.usage = step.usage;
      history = List.of(only);
    }
    if (history == null || history.isEmpty()) {
      lastError(out, step);
      return;
    }
    TextTable t =
        new TextTable(
            "TIME",
            "ATTEMPT",
            "OUTCOME",
            "TIER",
            "REASON",
            "CODE",
            "WAIT",
            "FALLBACK",
            "TOKENS",
            "COST");
    for (AttemptRecord r : history) {
      t.row(
          r.at,
          r.item == null ? r.attempt : r.attempt + " (item " + r.item + ")",
          r.outcome,
          r.tier,
          r.reason,
          r.code,
          r.wait,
          r.fallback,
          r.usage == null ? null : tokens(r.usage),
          r.usage == null ? null : r.usage.cost);
    }
    out.append(t.render("    "));
    lastError(out, step);
  }

  private static boolean firstTrySuccess(StepStatus step) {
    return step.phase == StepPhase.Succeeded
        && step.items == null
        && step.fallback == null
        && step.attempts != null
        && step.attempts == 1
        && (step.historyDropped == null || step.historyDropped == 0);
  }

  private static void lastError(StringBuilder out, StepStatus step) {
    if (step.lastError != null && step.lastError.message != null) {
      out.append("    last error: ")
          .append(step.lastError.reason)
          .append(": ")
          .append(step.lastError.message)
          .append('\n');
    }
  }

  /** What the task waits for, and until when: the answer to "what happens next". */
  static String waitingFor(AgentTask task, AgentTaskStatus s, Instant now) {
    TaskPhase phase = s.phase == null ? TaskPhase.Pending : s.phase;
    Condition stalled = Conditions.find(s.conditions, Conditions.STALLED);
    Condition reconciling = Conditions.find(s.conditions, Conditions.RECONCILING);
    switch (phase) {
      case Succeeded:
        return "nothing: the task succeeded";
      case Failed:
        return "a person: the task failed ("
            + (stalled == null ? "Failed" : stalled.reason)
            + "); it does not retry by itself until its cause is fixed and a retry is asked for";
      case Suspended:
        if (budgetHeld(s)) {
          return "a higher budget (BudgetExhausted): spec.budget is spent; raising it resumes the"
              + " task from its checkpoint";
        }
        return "resume (Suspended): spec.suspend is true; no attempt starts until it is false";
      case Waiting:
        String why = reconciling == null ? "a timer" : reconciling.reason;
        if (s.nextAttemptAt == null) {
          return why + ": until a slot is free";
        }
        Duration left = Duration.between(now, Instant.parse(s.nextAttemptAt));
        return why
            + ": next attempt at "
            + s.nextAttemptAt
            + (left.isNegative() ? " (due now)" : " (in " + GoDuration.format(left) + ")");
      default:
        return "attempts in flight (" + phase + ")";
    }
  }

  private static boolean budgetHeld(AgentTaskStatus s) {
    Condition stalled = Conditions.find(s.conditions, Conditions.STALLED);
    Condition reconciling = Conditions.find(s.conditions, Conditions.RECONCILING);
    return (stalled != null && "BudgetExhausted".equals(stalled.reason))
        || (reconciling != null && "BudgetExhausted".equals(reconciling.reason));
  }

  /** Command lines that answer "what can I do", for the state the task is in. */
  static List<String> hints(AgentTask task, AgentTaskStatus s) {
    String name = task.getMetadata().getName();
    String ns = " -n " + task.getMetadata().getNamespace();
    List<String> hints = new ArrayList<>();
    TaskPhase phase = s.phase == null ? TaskPhase.Pending : s.phase;
    switch (phase) {
      case Failed:
        hints.add("# after fixing the cause, retry the failed step from the checkpoint:");
        hints.add(COMMAND + " retry " + name + ns);
        hints.add("# or try a change in a new task that starts from the checkpoint:");
        hints.add(COMMAND + " fork " + name + ns + " --suspend");
        break;
      case Suspended:
        if (budgetHeld(s)) {
          hints.add("# raise the budget (the task resumes where it stopped):");
          hints.add(
              "kubectl patch agenttask "
                  + name
                  + ns
                  + " --type merge -p '{\"spec\":{\"budget\":"
                  + raisedBudget(task)
                  + "}}'");
        } else {
          hints.add(COMMAND + " resume " + name + ns);
        }
        break;
      case Succeeded:
        break;
      default:
        hints.add("# nothing needed: it retries by itself; to pause it:");
        hints.add(COMMAND + " suspend " + name + ns);
    }
    return hints;
  }

  /** Twice the budget that held the task: a starting point the person edits. */
  private static String raisedBudget(AgentTask task) {
    var b = task.getSpec() == null ? null : task.getSpec().budget;
    if (b != null && b.maxCost != null) {
      return "{\"maxCost\":" + b.maxCost.multiply(BigDecimal.valueOf(2)).toPlainString() + "}";
    }
    long tokens = b == null || b.maxTokens == null ? 0 : b.maxTokens;
    return "{\"maxTokens\":" + Math.max(tokens * 2, 1) + "}";
  }

  private static String usage(Usage u) {
    if (u == null) {
      return null;
    }
    return tokens(u) + " tokens" + (u.cost == null ? "" : ", cost " + u.cost);
  }

  private static String tokens(Usage u) {
    long in = u.inputTokens == null ? 0 : u.inputTokens;
    long outTokens = u.outputTokens == null ? 0 : u.outputTokens;
    return in + "+" + outTokens;
  }

  private static void field(StringBuilder out, String label, String value) {
    if (value == null || value.isEmpty()) {
      return;
    }
    out.append(label)
        .append(':')
        .append(" ".repeat(Math.max(1, 13 - label.length())))
        .append(value)
        .append('\n');
  }
}
