package dev.steadfast.engine;

import java.util.Arrays;

/**
 * The Idempotency-Key of an attempt, {@code <task uid>/<step>/<item or ->/<attempt>}
 * (docs/status.md): the same for every re-send of one attempt, so a server (or the operator, naming
 * a Job) sees a re-sent attempt as the one it already has. The one place the key is spelled and
 * read.
 *
 * @param item the forEach index, or "-" outside a forEach
 */
public record IdempotencyKey(String taskUid, String step, String item, String attempt) {

  public static IdempotencyKey of(String runId, String step, Integer item, int attempt) {
    return new IdempotencyKey(
        runId, step, item == null ? "-" : String.valueOf(item), String.valueOf(attempt));
  }

  /** Reads a key this class wrote; IllegalArgumentException for anything else. */
  public static IdempotencyKey parse(String key) {
    String[] parts = key == null ? new String[0] : key.split("/", -1);
    if (parts.length < 4 || parts[0].isEmpty()) {
      throw new IllegalArgumentException("malformed Idempotency-Key: " + key);
    }
    // Step names are DNS labels and never hold a '/', but be lenient about the middle anyway.
    String step = String.join("/", Arrays.copyOfRange(parts, 1, parts.length - 2));
    return new IdempotencyKey(parts[0], step, parts[parts.length - 2], parts[parts.length - 1]);
  }

  @Override
  public String toString() {
    return String.join("/", taskUid, step, item, attempt);
  }
}
