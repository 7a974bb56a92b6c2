package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * One finished attempt of a step, as kept in the step's bounded history: enough for a person to see
 * what happened, attempt by attempt, without the events (which expire) or the logs.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AttemptRecord {
  @JsonPropertyDescription("When the attempt's outcome was recorded (RFC 3339).")
  public String at;

  @JsonPropertyDescription("The unit's attempt number (part of its Idempotency-Key).")
  public Integer attempt;

  @JsonPropertyDescription("The forEach item index, for a forEach step.")
  public Integer item;

  @JsonPropertyDescription(
      "Succeeded, Failed (a classified failure) or Progress (an agent iteration).")
  public String outcome;

  @JsonPropertyDescription("Transient, Recoverable or Fatal, when the attempt failed.")
  public Tier tier;

  @JsonPropertyDescription("The failure's reason, when the attempt failed.")
  public String reason;

  @JsonPropertyDescription("HTTP status code or exit code, when there was one.")
  public Integer code;

  @JsonPropertyDescription(
      "What happened, shortened; never contains secret values (the same masking as lastError).")
  public String message;

  @JsonPropertyDescription("How long the step waits before its next attempt (e.g. 8s), if it does.")
  public String wait;

  @JsonPropertyDescription("When the next attempt is due (RFC 3339), if the step waits.")
  public String nextAttemptAt;

  @JsonPropertyDescription("The fallback (llm, http, cache or value) this attempt ran, if any.")
  public String fallback;

  @JsonPropertyDescription("Tokens the provider reported for this attempt, and their cost.")
  public Usage usage;

  public AttemptRecord() {}
}
