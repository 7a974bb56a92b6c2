package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import java.util.List;

/** Observed state of one step. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StepStatus {
  @JsonPropertyDescription("Step name.")
  public String name;

  @JsonPropertyDescription("Pending, Running, Waiting, Succeeded, Failed or Skipped.")
  public StepPhase phase;

  @JsonPropertyDescription("Attempts made by this step (all items and fallbacks).")
  public Integer attempts;

  @JsonPropertyDescription("When the step's first attempt started (RFC 3339).")
  public String startedAt;

  @JsonPropertyDescription("When the step finished (RFC 3339).")
  public String completedAt;

  @JsonPropertyDescription("The last classified failure.")
  public ErrorInfo lastError;

  @JsonPropertyDescription("True when a fallback or a tolerated failure produced the result.")
  public Boolean degraded;

  @JsonPropertyDescription(
      "Which fallback produced the output (llm, http, cache or value), if any.")
  public String fallback;

  @JsonPropertyDescription(
      "Tokens this step's model calls used (all items, attempts and fallbacks), and their cost.")
  public Usage usage;

  @JsonPropertyDescription(
      "The step's most recent attempts, oldest first (at most 10; older ones are counted in historyDropped).")
  public List<AttemptRecord> history;

  @JsonPropertyDescription("How many older attempts were dropped from history to keep it bounded.")
  public Integer historyDropped;

  @JsonPropertyDescription("Item counts of a forEach step.")
  public ItemCounts items;

  @JsonPropertyDescription("The output when it fits inline (at most 4 KiB of JSON).")
  @PreserveUnknownFields
  public JsonNode output;

  @JsonPropertyDescription("Where a larger output is stored.")
  public OutputRef outputRef;

  public StepStatus() {}

  public StepStatus(String name) {
    this.name = name;
    this.phase = StepPhase.Pending;
    this.attempts = 0;
  }
}
