package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** Exponential backoff: initialDelay * multiplier^(n-1), capped by maxDelay, with jitter. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Backoff {
  /** How randomness is applied to a delay d. */
  public enum Jitter {
    /** A uniform random delay in [0, d]. */
    Full,
    /** d/2 plus a uniform random delay in [0, d/2]. */
    Equal,
    /** Exactly d. */
    None
  }

  @JsonPropertyDescription(
      "Delay before the first retry. Default 1s for backoff, 10s for rateLimit.")
  @Pattern(Durations.PATTERN)
  public String initialDelay;

  @JsonPropertyDescription("Factor applied to the delay after each retry, 1 to 10. Default 2.")
  @Min(1)
  @Max(10)
  public Double multiplier;

  @JsonPropertyDescription(
      "Largest delay; Retry-After headers are honoured up to it. Default 5m for backoff, 10m for rateLimit.")
  @Pattern(Durations.PATTERN)
  public String maxDelay;

  @JsonPropertyDescription("Full, Equal or None. Default Full.")
  public Jitter jitter;
}
