package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** One unit of work: exactly one of http, llm, agent or job, with optional per-step policy. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "(has(self.http) ? 1 : 0) + (has(self.llm) ? 1 : 0) + (has(self.agent) ? 1 : 0) + (has(self.job) ? 1 : 0) == 1",
    message = "a step must set exactly one of http, llm, agent or job",
    reason = "FieldValueInvalid")
@ValidationRule(
    value =
        "!has(self.fallbacks) || has(self.llm) || has(self.agent) || self.fallbacks.all(f, !has(f.llm))",
    fieldPath = ".fallbacks",
    message = "an llm fallback needs an llm or agent step",
    reason = "FieldValueInvalid")
public class Step {
  @JsonPropertyDescription("Step name: a DNS-1123 label, unique within the task.")
  @Required
  @Size(min = 1, max = 63)
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  public String name;

  @JsonPropertyDescription("An HTTP call.")
  public HttpStep http;

  @JsonPropertyDescription("One chat completion from a language model.")
  // complete here; a fallback's llm may name only what it changes
  @RequiredFields({"endpoint", "model", "messages"})
  public LlmStep llm;

  @JsonPropertyDescription(
      "A tool-calling loop: the model is called and its tool calls executed until it answers.")
  public AgentStep agent;

  @JsonPropertyDescription("A container run as a Kubernetes Job (operator only).")
  public JobStep job;

  @JsonPropertyDescription("CEL boolean expression; when false the step is Skipped.")
  public String when;

  @JsonPropertyDescription("Run the step once per item of a list, with per-item checkpoints.")
  public ForEach forEach;

  @JsonPropertyDescription(
      "Limit for one attempt (for example 60s); a slower attempt fails with Timeout.")
  @Pattern(Durations.PATTERN)
  public String timeout;

  @JsonPropertyDescription("Retry policy for this step, merged over spec.policy.retry.")
  public RetryPolicy retry;

  @JsonPropertyDescription("Circuit breaker for this step, merged over spec.policy.circuitBreaker.")
  public CircuitBreakerPolicy circuitBreaker;

  @JsonPropertyDescription("Loop detection for this step, merged over spec.policy.loopDetection.")
  public LoopDetection loopDetection;

  @JsonPropertyDescription(
      "Classification rules for this step, tried before spec.policy.classify and the built-in table.")
  @Size(max = 50)
  public List<ClassifyRule> classify;

  @JsonPropertyDescription(
      "Ordered alternatives tried when attempts are exhausted, the breaker is open, or the error cannot be fixed by retrying.")
  @Size(max = 10)
  // One alternative, plus onFatal when set (SpecValidator and the CEL rule on Fallback say
  // "exactly one alternative").
  public List<@Size(min = 1, max = 2) Fallback> fallbacks;

  @JsonPropertyDescription(
      "When true, a failure of this step does not fail the task; later steps still run.")
  public Boolean continueOnFailure;
}
