package dev.steadfast.engine.exec;

/**
 * The tokens a provider reported for one model call (OpenAI {@code usage.prompt_tokens} and {@code
 * completion_tokens}, Anthropic {@code usage.input_tokens} and {@code output_tokens}).
 */
public record TokenUsage(long inputTokens, long outputTokens) {
  public TokenUsage {
    if (inputTokens < 0 || outputTokens < 0) {
      throw new IllegalArgumentException("token counts cannot be negative");
    }
  }
}
