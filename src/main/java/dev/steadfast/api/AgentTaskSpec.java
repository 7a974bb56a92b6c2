package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** The desired work: ordered steps, default policies and task-wide limits. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentTaskSpec {
  /** The most maxTotalAttempts may say: ten attempts for each item of the largest forEach. */
  public static final int MAX_TOTAL_ATTEMPTS = 100_000;

  /** maxTotalAttempts when the spec does not say. */
  public static final int DEFAULT_TOTAL_ATTEMPTS = 100;

  @JsonPropertyDescription(
      "Free-form parameters, visible to expressions as `inputs` (for example {{ inputs.topic }}).")
  @PreserveUnknownFields
  public JsonNode inputs;

  @JsonPropertyDescription(
      "Steps run in order. Each has a unique DNS-1123 name and exactly one of http, llm, agent or job.")
  @Required
  @Size(min = 1, max = 100)
  // Unique names are checked by the operator and `steadfast validate`, not at admission: a CEL rule
  // compares every pair (the API server runs it on every status write: 0.3 s of its CPU per write
  // at 100 steps), and list keys (x-kubernetes-list-type: map) would change how server-side apply
  // merges the steps of tasks created before, leaving a step removed from a manifest in place.
  public List<Step> steps;

  @JsonPropertyDescription(
      "Default resilience policy for every step; each step may override any part of it.")
  public Policy policy;

  @JsonPropertyDescription(
      "Wall-clock limit for the whole task (for example 30m). When it passes, the task fails with DeadlineExceeded.")
  @Pattern(Durations.PATTERN)
  public String deadline;

  @JsonPropertyDescription(
      "Attempt budget across the whole task, a recursion guard that also bounds steps whose retry.maxAttempts is 0 (unlimited). When spent, the task fails with LoopDetected. Default 100, at most 100000.")
  @Min(1)
  @Max(MAX_TOTAL_ATTEMPTS)
  public Integer maxTotalAttempts;

  @JsonPropertyDescription("When true, no new attempt starts; attempts in flight finish.")
  public Boolean suspend;

  @JsonPropertyDescription(
      "Limits on the tokens and cost of the task's model calls; a call that could exceed one is not made and the task is Suspended (BudgetExhausted) until it is raised.")
  public Budget budget;
}
