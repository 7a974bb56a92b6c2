package dev.steadfast.engine.llm;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One message of a chat request or of an agent transcript, independent of the wire format (openai
 * or anthropic); the executors translate it.
 *
 * @param role "system", "user", "assistant" or "tool"
 * @param content the text; may be null for an assistant message that only asks for tool calls
 * @param toolCallId for a "tool" message: the id of the tool call it answers
 * @param name for a "tool" message: the tool's name (Anthropic and some gateways want it)
 * @param toolCalls for an "assistant" message: the tool calls it asks for, as the provider sent
 *     them (a JSON array of objects with an "id"), kept verbatim so they can be replayed
 */
// NON_NULL keeps checkpointed transcripts small: most messages are plain role + content.
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatMessage(
    String role, String content, String toolCallId, String name, JsonNode toolCalls) {

  public static final String SYSTEM = "system";
  public static final String USER = "user";
  public static final String ASSISTANT = "assistant";
  public static final String TOOL = "tool";

  public ChatMessage {
    Objects.requireNonNull(role, "role");
  }

  /** A plain message without tool-call fields. */
  public ChatMessage(String role, String content) {
    this(role, content, null, null, null);
  }

  /** True for an assistant message that asks for at least one tool call. */
  public boolean hasToolCalls() {
    return toolCalls != null && toolCalls.isArray() && !toolCalls.isEmpty();
  }

  /** The same message with other text; the truncator uses it to cut a message's middle. */
  public ChatMessage withContent(String newContent) {
    return new ChatMessage(role, newContent, toolCallId, name, toolCalls);
  }

  /** Characters this message costs in a request: its text plus the tool calls it carries. */
  int chars() {
    int text = content == null ? 0 : content.length();
    // Tool-call arguments are sent to the model too, so they count against the context window.
    return text + (toolCalls == null ? 0 : toolCalls.toString().length());
  }
}
