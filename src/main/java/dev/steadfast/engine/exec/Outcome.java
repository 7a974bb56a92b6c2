package dev.steadfast.engine.exec;

import com.fasterxml.jackson.databind.JsonNode;

/** What one attempt produced: an output, or a classified failure. */
public sealed interface Outcome {
  /** The attempt succeeded with this output. */
  record Success(JsonNode output) implements Outcome {}

  /**
   * An agent iteration finished: the model asked for tools, they ran, and the conversation grew.
   * The transcript is checkpointed and the next iteration starts at once.
   */
  record Progress(JsonNode transcript, String note) implements Outcome {}

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
