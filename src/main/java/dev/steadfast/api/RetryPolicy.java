package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** Retry of Transient failures with exponential backoff. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RetryPolicy {
  @JsonPropertyDescription(
      "Attempts in all, the first included; 0 means unlimited (the loop guard still applies). Default 5.")
  @Min(0)
  public Integer maxAttempts;

  @JsonPropertyDescription("Backoff between attempts after ordinary Transient failures.")
  public Backoff backoff;

  @JsonPropertyDescription("Backoff used after RateLimited (429) failures.")
  public Backoff rateLimit;

  @JsonPropertyDescription(
      "Retry window for one step (for example 30m); after it, retrying stops. Default 30m.")
  @Pattern(Durations.PATTERN)
  public String maxElapsed;
}
