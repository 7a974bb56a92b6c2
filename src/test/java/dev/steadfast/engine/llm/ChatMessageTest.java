package dev.steadfast.engine.llm;

import static dev.steadfast.engine.llm.OutputValidatorTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Transcripts are checkpointed as JSON, so the record's JSON shape is part of the contract. */
class ChatMessageTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void plainMessageSerializesAsRoleAndContentOnly() throws Exception {
    String text = JSON.writeValueAsString(new ChatMessage("user", "hi"));

    assertThat(text).isEqualTo("{\"role\":\"user\",\"content\":\"hi\"}");
    assertThat(JSON.readValue(text, ChatMessage.class)).isEqualTo(new ChatMessage("user", "hi"));
  }

  @Test
  void toolCallFieldsRoundTrip() throws Exception {
    ChatMessage call =
        new ChatMessage(
            "assistant", null, null, null, json("[{\"id\":\"c1\",\"function\":{\"name\":\"f\"}}]"));
    ChatMessage answer = new ChatMessage("tool", "{\"ok\":true}", "c1", "f", null);

    assertThat(JSON.readValue(JSON.writeValueAsString(call), ChatMessage.class)).isEqualTo(call);
    assertThat(JSON.readValue(JSON.writeValueAsString(answer), ChatMessage.class))
        .isEqualTo(answer);
  }

  @Test
  void hasToolCallsOnlyForANonEmptyArray() {
    assertThat(new ChatMessage("assistant", "x").hasToolCalls()).isFalse();
    assertThat(new ChatMessage("assistant", null, null, null, json("[]")).hasToolCalls()).isFalse();
    assertThat(
            new ChatMessage("assistant", null, null, null, json("[{\"id\":\"a\"}]")).hasToolCalls())
        .isTrue();
  }

  @Test
  void withContentKeepsEverythingElse() {
    ChatMessage answer = new ChatMessage("tool", "long result", "c1", "f", null);

    assertThat(answer.withContent("short"))
        .isEqualTo(new ChatMessage("tool", "short", "c1", "f", null));
  }

  @Test
  void roleIsRequired() {
    assertThatThrownBy(() -> new ChatMessage(null, "x")).isInstanceOf(NullPointerException.class);
  }
}
