package dev.steadfast.engine;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Budget;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.Usage;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.TokenUsage;
import dev.steadfast.engine.llm.ChatMessage;
import java.math.BigDecimal;
import java.util.List;

/**
 * The usage ledger and the budget check (docs/cost.md). Usage is added to the status, which is the
 * checkpoint, in the same fold that records the attempt's outcome: it is written with it or not at
 * all, so a restart neither loses nor counts it twice. The budget check runs before a model call
 * starts and holds the task when the call could take it over spec.budget.
 */
public final class Ledger {
  /**
   * A token for every 4 characters of the request's messages: the usual rule of thumb for English
   * text, and enough to stop one huge prompt from slipping past a budget the output bound alone
   * would allow.
   */
  static final int CHARS_PER_TOKEN = 4;

  private final Pricing pricing;

  Ledger(Pricing pricing) {
    this.pricing = pricing == null ? Pricing.NONE : pricing;
  }

  public Pricing pricing() {
    return pricing;
  }

  /** The model a call asks, or null when it is no model call (http, job, a tool call). */
  public static String model(Call call) {
    if (call instanceof Call.LlmCall l) {
      return l.model();
    }
    if (call instanceof Call.AgentCall a) {
      return a.llm().model();
    }
    return null;
  }

  /** Adds one call's reported usage to step {@code i} and to the task. */
  void record(AgentTaskStatus status, int i, String model, TokenUsage usage) {
    if (usage == null) {
      return;
    }
    BigDecimal cost = pricing.cost(model, usage);
    status.usage = add(status.usage, usage, cost);
    if (i >= 0 && i < status.steps.size()) {
      StepStatus ss = status.steps.get(i);
      ss.usage = add(ss.usage, usage, cost);
    }
  }

  private static Usage add(Usage to, TokenUsage usage, BigDecimal cost) {
    Usage u = to == null ? new Usage(0L, 0L, null) : to;
    u.inputTokens = orZero(u.inputTokens) + usage.inputTokens();
    u.outputTokens = orZero(u.outputTokens) + usage.outputTokens();
    if (cost != null) {
      u.cost = plain(spentCost(u).add(cost));
    }
    return u;
  }

  /**
   * Why {@code call} may not start under {@code budget} (spent, budget, what the call could spend),
   * or null when it may. A call could spend its maxTokens of output plus its estimated input; a
   * model without a price costs nothing.
   */
  String exceeds(Budget budget, AgentTaskStatus status, Call call) {
    String model = model(call);
    if (budget == null || model == null) {
      return null;
    }
    long input = estimatedInput(call);
    long output = maxTokens(call);
    long spent = tokens(status.usage);
    if (budget.maxTokens != null && spent + input + output > budget.maxTokens) {
      return "budget exhausted: spent "
          + spent
          + " of maxTokens "
          + budget.maxTokens
          + " tokens; the next call ("
          + model
          + ") could use "
          + (input + output)
          + " ("
          + output
          + " maxTokens + about "
          + input
          + " input)";
    }
    Pricing.Price price = pricing.of(model);
    if (budget.maxCost != null && price != null) {
      BigDecimal spentCost = spentCost(status.usage);
      BigDecimal could = price.cost(input, output);
      if (spentCost.add(could).compareTo(budget.maxCost) > 0) {
        return "budget exhausted: spent "
            + plain(spentCost)
            + " of maxCost "
            + plain(budget.maxCost)
            + "; the next call ("
            + model
            + ") could cost "
            + plain(could)
            + " ("
            + output
            + " maxTokens + about "
            + input
            + " input tokens)";
      }
    }
    return null;
  }

  /** Input and output tokens used so far. */
  static long tokens(Usage usage) {
    return usage == null ? 0 : orZero(usage.inputTokens) + orZero(usage.outputTokens);
  }

  static BigDecimal spentCost(Usage usage) {
    return usage == null || usage.cost == null ? BigDecimal.ZERO : new BigDecimal(usage.cost);
  }

  /** A decimal without exponent or trailing zeros: "0.00042", "12". */
  public static String plain(BigDecimal amount) {
    BigDecimal s = amount.stripTrailingZeros();
    return (s.signum() == 0 ? BigDecimal.ZERO : s).toPlainString();
  }

  private static long maxTokens(Call call) {
    Call.LlmCall llm = call instanceof Call.AgentCall a ? a.llm() : (Call.LlmCall) call;
    // Unbounded only when no budget applies: validation asks for maxTokens when spec.budget is set.
    return llm.outputBound() == null ? 0 : llm.outputBound();
  }

  /** The call's input in tokens, estimated from its characters (see {@link #CHARS_PER_TOKEN}). */
  static long estimatedInput(Call call) {
    Call.LlmCall llm = call instanceof Call.AgentCall a ? a.llm() : (Call.LlmCall) call;
    long chars = 0;
    List<ChatMessage> messages = llm.messages() == null ? List.of() : llm.messages();
    for (ChatMessage m : messages) {
      chars += m.content() == null ? 0 : m.content().length();
    }
    if (call instanceof Call.AgentCall a && a.transcript() != null) {
      chars += a.transcript().toString().length();
    }
    return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
  }

  private static long orZero(Long v) {
    return v == null ? 0 : v;
  }
}
