package dev.steadfast.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import java.nio.charset.StandardCharsets;

/**
 * What one checkpoint entry may hold. A step output, a forEach step's list of outputs and an
 * agent's transcript are stored whole, in the operator in a ConfigMap (at most 1 MiB, with its
 * metadata), so anything larger could never be checkpointed: retrying would redo the call and fail
 * to save it again, forever. It fails instead, Fatal {@code OutputTooLarge}, telling a person what
 * to trim.
 */
public final class OutputLimit {
  /** 768 KiB of JSON: fits a ConfigMap with room for its metadata. */
  public static final int MAX_BYTES = 768 * 1024;

  public static final String REASON = Reason.OutputTooLarge.name();

  private OutputLimit() {}

  /** The outcome, or a Fatal OutputTooLarge in place of an output or transcript over the limit. */
  static Outcome check(Outcome outcome) {
    if (outcome instanceof Outcome.Success s) {
      Failure f = check("the output", s.output());
      return f == null ? outcome : new Outcome.Failed(f);
    }
    if (outcome instanceof Outcome.Progress p) {
      Failure f = check("the agent's transcript", p.transcript());
      return f == null ? outcome : new Outcome.Failed(f);
    }
    return outcome;
  }

  /** A Fatal OutputTooLarge when value's JSON is over the limit, else null. */
  static Failure check(String what, JsonNode value) {
    if (value == null) {
      return null;
    }
    int bytes = Json.write(value).getBytes(StandardCharsets.UTF_8).length;
    if (bytes <= MAX_BYTES) {
      return null;
    }
    return Failure.of(
        Tier.Fatal,
        REASON,
        what
            + " is "
            + kib(bytes)
            + " KiB of JSON, over the "
            + kib(MAX_BYTES)
            + " KiB a checkpoint can hold; keep less of it (output.select, a smaller response"
            + " format, fewer items)");
  }

  private static long kib(int bytes) {
    return (bytes + 1023) / 1024;
  }
}
