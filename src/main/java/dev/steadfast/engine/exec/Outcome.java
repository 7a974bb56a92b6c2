package dev.steadfast.engine.exec;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What one attempt produced: an output, or a classified failure. A model call also says what the
 * provider reported it used ({@link #usage()}, null when it reported nothing or made no model
 * call), whatever became of its answer: an answer that fails validation was still paid for.
 */
public sealed interface Outcome {
  TokenUsage usage();

  /** The attempt succeeded with this output. */
  record Success(JsonNode output, TokenUsage usage) implements Outcome {
    public Success(JsonNode output) {
      this(output, null);
    }
  }

  /**
   * An agent iteration finished: the model asked for tools, they ran, and the conversation grew.
   * The transcript is checkpointed and the next iteration starts at once.
   */
  record Progress(JsonNode transcript, String note, TokenUsage usage) implements Outcome {
    public Progress(JsonNode transcript, String note) {
      this(transcript, note, null);
    }
  }

  /**
   * The attempt failed.
   *
   * @param invalidContent for InvalidOutput: the model's reply, so a repair request can quote it
   */
  record Failed(Failure failure, String invalidContent, TokenUsage usage) implements Outcome {
    public Failed(Failure failure, String invalidContent) {
      this(failure, invalidContent, null);
    }

    public Failed(Failure failure) {
      this(failure, null, null);
    }
  }
}
