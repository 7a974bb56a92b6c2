package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** Resilience defaults for every step of a task; unset parts come from the operator defaults. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Policy {
  @JsonPropertyDescription("Limit for one attempt (for example 60s). Default 60s.")
  @Pattern(Durations.PATTERN)
  public String timeout;

  @JsonPropertyDescription("How failed attempts are retried.")
  public RetryPolicy retry;

  @JsonPropertyDescription(
      "Circuit breaker shared by every task of the namespace using the same key.")
  public CircuitBreakerPolicy circuitBreaker;

  @JsonPropertyDescription("Detection of an agent repeating the same failing action.")
  public LoopDetection loopDetection;

  @JsonPropertyDescription("User classification rules, tried before the built-in table.")
  @Size(max = 50)
  public List<ClassifyRule> classify;
}
