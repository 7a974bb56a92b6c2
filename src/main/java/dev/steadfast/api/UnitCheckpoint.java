package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** Resume state of one unit of work: a plain step, or one forEach item. */
// Fields a later version added are skipped: the API server stores the checkpoint as written.
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UnitCheckpoint {
  @JsonPropertyDescription("Item index for forEach; absent for a plain step.")
  public Integer index;

  @JsonPropertyDescription("Pending, Running, Waiting, Succeeded, Failed or Skipped.")
  public StepPhase phase = StepPhase.Pending;

  // 0, the usual value, is left out of the stored status (and read back as 0): every unit of
  // every task carries these two, and each byte of a status is paid for on each write.
  @JsonPropertyDescription("0 while the step itself runs; n while its n-th fallback runs.")
  @JsonInclude(JsonInclude.Include.NON_DEFAULT)
  public Integer stage = 0;

  @JsonPropertyDescription("Attempts made in the current stage (its retry budget).")
  @JsonInclude(JsonInclude.Include.NON_DEFAULT)
  public Integer stageAttempts = 0;

  @JsonPropertyDescription("Attempts made by this unit in all.")
  public Integer attempts = 0;

  @JsonPropertyDescription(
      "When the current stage's first attempt started, for maxElapsed (RFC 3339).")
  public String stageStartedAt;

  @JsonPropertyDescription("When the next attempt is due (RFC 3339).")
  public String nextAttemptAt;

  @JsonPropertyDescription("Why the unit waits: a failure reason or CircuitOpen.")
  public String waitReason;

  @JsonPropertyDescription(
      "Number of the attempt in flight; it is run again with the same Idempotency-Key after a restart.")
  public Integer inFlight;

  @JsonPropertyDescription("Fingerprint of the last failed action, for loop detection.")
  public String lastFingerprint;

  @JsonPropertyDescription("How many times in a row that action failed the same way.")
  public Integer identicalFailures;

  @JsonPropertyDescription(
      "Retries after ordinary Transient failures in this stage (the backoff exponent).")
  public Integer transientRetries;

  @JsonPropertyDescription(
      "Retries after RateLimited failures in this stage (the rate-limit backoff exponent).")
  public Integer rateLimitRetries;

  @JsonPropertyDescription("Repair requests made after invalid output in this stage.")
  public Integer repairs;

  @JsonPropertyDescription("Times the prompt was truncated after a context overflow in this stage.")
  public Integer truncations;

  @JsonPropertyDescription(
      "Messages appended to the conversation: repair requests, or an agent's transcript.")
  @PreserveUnknownFields
  public JsonNode transcript;

  @JsonPropertyDescription("Where a transcript over 4 KiB is stored (operator).")
  public OutputRef transcriptRef;

  @JsonPropertyDescription("Model calls made by an agent loop.")
  public Integer iterations;

  @JsonPropertyDescription("Output of this unit once it succeeded (forEach items).")
  @PreserveUnknownFields
  public JsonNode output;

  @JsonPropertyDescription("Where an output over 4 KiB is stored (operator).")
  public OutputRef outputRef;

  @JsonPropertyDescription("Which fallback produced the output, if any.")
  public String fallback;

  @JsonPropertyDescription("The last classified failure of this unit.")
  public ErrorInfo lastError;

  public UnitCheckpoint() {}

  public UnitCheckpoint(Integer index) {
    this.index = index;
  }
}
