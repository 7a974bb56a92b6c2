package dev.steadfast.engine.exec;

import com.fasterxml.jackson.databind.JsonNode;

/** What one attempt produced: an output, or a classified failure. */
public sealed interface Outcome {
  /** The attempt succeeded with this output. */
  record Success(JsonNode output) implements Outcome {}

  /**
   * The attempt failed.
   *
   * @param invalidContent for InvalidOutput: the model's reply, so a repair request can quote it
   */
  record Failed(Failure failure, String invalidContent) implements Outcome {
    public Failed(Failure failure) {
      this(failure, null);
    }
  }
}
