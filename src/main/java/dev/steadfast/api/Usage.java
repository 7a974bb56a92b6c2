package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * Tokens the provider reported for a task's or a step's model calls, and what they cost. The cost
 * is a decimal string, not a number: the API server keeps JSON numbers as floating point, and a sum
 * of many small prices must not drift.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Usage {
  @JsonPropertyDescription(
      "Input (prompt) tokens reported by the provider, failed attempts included.")
  public Long inputTokens;

  @JsonPropertyDescription(
      "Output (completion) tokens reported by the provider, failed attempts included.")
  public Long outputTokens;

  @JsonPropertyDescription(
      "What those tokens cost, as a decimal string in the currency of the operator's price table; absent when no call had a price.")
  public String cost;

  public Usage() {}

  public Usage(Long inputTokens, Long outputTokens, String cost) {
    this.inputTokens = inputTokens;
    this.outputTokens = outputTokens;
    this.cost = cost;
  }
}
