package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** Everything a restarted operator or `steadfast run` needs to resume a task where it stopped. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Checkpoint {
  @JsonPropertyDescription(
      "First 128 bits (hex) of the SHA-256 of the spec this checkpoint was made for.")
  public String specHash;

  @JsonPropertyDescription(
      "Identity of this run, used in Idempotency-Key headers (the task uid in a cluster).")
  public String runId;

  @JsonPropertyDescription("Last value of the steadfast.dev/retry annotation that was acted on.")
  public String retryToken;

  @JsonPropertyDescription(
      "Versions of the Secrets the task references, when it stalled on Unauthorized, Forbidden or SecretNotFound; a change retries it.")
  public String secretsVersion;

  @JsonPropertyDescription(
      "When the task's budget was last refreshed by a retry (RFC 3339): the deadline counts from it instead of startedAt.")
  public String budgetSince;

  @JsonPropertyDescription(
      "status.attempts when the task's budget was last refreshed by a retry: maxTotalAttempts counts the attempts made since.")
  public Integer attemptsBeforeBudget;

  @JsonPropertyDescription(
      "Why the task is held by its budget (spent, budget, what the next model call could spend); absent when it is not.")
  public String budgetHeld;

  @JsonPropertyDescription("Per-step resume state, in spec order.")
  public List<StepCheckpoint> steps = new ArrayList<>();
}
