package dev.steadfast.executors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.engine.exec.TokenUsage;
import dev.steadfast.engine.format.Json;
import org.junit.jupiter.api.Test;

/** The usage block of both wire formats becomes the reply's token usage; a missing one is null. */
class UsageParsingTest {
  @Test
  void openAiPromptAndCompletionTokens() throws Exception {
    var reply =
        LlmExecutor.parseOpenAi(
            Json.MAPPER.readTree(
                "{\"choices\":[{\"message\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}"));
    assertThat(reply.usage()).isEqualTo(new TokenUsage(12, 3));
  }

  @Test
  void anthropicInputAndOutputTokens() throws Exception {
    var reply =
        LlmExecutor.parseAnthropic(
            Json.MAPPER.readTree(
                "{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"stop_reason\":\"end_turn\","
                    + "\"usage\":{\"input_tokens\":20,\"output_tokens\":7}}"));
    assertThat(reply.usage()).isEqualTo(new TokenUsage(20, 7));
  }

  @Test
  void aReplyWithoutUsageOrWithNonsenseReportsNone() throws Exception {
    assertThat(
            LlmExecutor.parseOpenAi(
                    Json.MAPPER.readTree("{\"choices\":[{\"message\":{\"content\":\"hi\"}}]}"))
                .usage())
        .isNull();
    assertThat(
            LlmExecutor.parseOpenAi(
                    Json.MAPPER.readTree(
                        "{\"choices\":[{\"message\":{\"content\":\"hi\"}}],"
                            + "\"usage\":{\"prompt_tokens\":\"many\",\"completion_tokens\":-1}}"))
                .usage())
        .isNull();
  }
}
