package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import java.math.BigDecimal;

/** Limits on what a task's model calls may spend; reaching one suspends the task. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Budget {
  @JsonPropertyDescription(
      "Most tokens (input plus output) the task's model calls may use. A call that could take the task over it is not made: the task is Suspended with reason BudgetExhausted until the budget is raised.")
  @Min(1)
  public Long maxTokens;

  @JsonPropertyDescription(
      "Most the task's model calls may cost, in the currency of the operator's price table (--pricing); checked like maxTokens. Models without a price cost nothing.")
  @Min(0)
  public BigDecimal maxCost;
}
