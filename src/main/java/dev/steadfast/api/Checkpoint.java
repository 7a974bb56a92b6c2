package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Everything a restarted operator or `steadfast run` needs to resume a task where it stopped. */
// Fields a later version added are skipped: the API server stores the checkpoint as written.
@JsonIgnoreProperties(ignoreUnknown = true)
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

  /** The CRD's schema of a checkpoint: any object. */
  @PreserveUnknownFields
  public static final class Opaque {
    private Opaque() {}
  }

  /**
   * Reads a checkpoint, or null when it does not parse (a field of the wrong type written by hand
   * through the status subresource), as if there were none: a finished task stays finished, an
   * unfinished one starts again from its spec, and every other task is read as before.
   */
  public static final class Lenient extends StdDeserializer<Checkpoint> {
    public Lenient() {
      super(Checkpoint.class);
    }

    @Override
    public Checkpoint deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      TokenBuffer copy = ctxt.bufferAsCopyOfValue(p);
      try (JsonParser again = copy.asParser(p.getCodec())) {
        again.nextToken();
        return ctxt.readValue(again, Checkpoint.class);
      } catch (JsonProcessingException | IllegalArgumentException e) {
        return null;
      }
    }
  }
}
