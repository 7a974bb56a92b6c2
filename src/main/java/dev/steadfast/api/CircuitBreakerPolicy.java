package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** A circuit breaker over Transient failures, shared by all tasks using the same key. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CircuitBreakerPolicy {
  @JsonPropertyDescription(
      "Breaker identity. Default: the endpoint host, plus the model for llm steps. Same key in the same namespace, one shared breaker; other namespaces never share it. At most 253 characters; a namespace keeps at most 100 breakers.")
  @Size(max = 253)
  public String key;

  @JsonPropertyDescription(
      "Failure rate in percent over the sliding window that opens the breaker. Default 50.")
  @Min(1)
  @Max(100)
  public Integer failureRateThreshold;

  @JsonPropertyDescription("Calls in the sliding window. Default 20.")
  @Min(1)
  @Max(1000)
  public Integer slidingWindowSize;

  @JsonPropertyDescription("Calls recorded before the failure rate is judged. Default 10.")
  @Min(1)
  @Max(1000)
  public Integer minimumCalls;

  @JsonPropertyDescription(
      "How long the breaker stays open before trial calls (for example 60s). Default 60s.")
  @Pattern(Durations.PATTERN)
  public String openDuration;

  @JsonPropertyDescription("Trial calls let through while half-open. Default 3.")
  @Min(1)
  @Max(100)
  public Integer halfOpenCalls;
}
