package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** The desired work: ordered steps, default policies and task-wide limits. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentTaskSpec {
  @JsonPropertyDescription(
      "Free-form parameters, visible to expressions as `inputs` (for example {{ inputs.topic }}).")
  @PreserveUnknownFields
  public JsonNode inputs;

  @JsonPropertyDescription(
      "Steps run in order. Each has a unique DNS-1123 name and exactly one of http, llm, agent or job.")
  @Required
  @Size(min = 1, max = 100)
  @ValidationRule(
      value = "self.all(s, self.exists_one(t, t.name == s.name))",
      message = "step names must be unique",
      reason = "FieldValueInvalid")
  public List<Step> steps;

  @JsonPropertyDescription(
      "Default resilience policy for every step; each step may override any part of it.")
  public Policy policy;

  @JsonPropertyDescription(
      "Wall-clock limit for the whole task (for example 30m). When it passes, the task fails with DeadlineExceeded.")
  @Pattern(Durations.PATTERN)
  public String deadline;

  @JsonPropertyDescription(
      "Attempt budget across the whole task, a recursion guard. When spent, the task fails with LoopDetected. Default 100.")
  @Min(1)
  public Integer maxTotalAttempts;

  @JsonPropertyDescription("When true, no new attempt starts; attempts in flight finish.")
  public Boolean suspend;
}
