package dev.steadfast.engine.llm;

import static dev.steadfast.engine.llm.OutputValidatorTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ContextTruncatorTest {

  static ChatMessage system(String text) {
    return new ChatMessage("system", text);
  }

  static ChatMessage user(String text) {
    return new ChatMessage("user", text);
  }

  static ChatMessage assistant(String text) {
    return new ChatMessage("assistant", text);
  }

  static ChatMessage callsTools(String... ids) {
    StringBuilder calls = new StringBuilder("[");
    for (String id : ids) {
      calls.append(calls.length() > 1 ? "," : "");
      calls.append("{\"id\":\"").append(id).append("\",\"type\":\"function\",");
      calls.append("\"function\":{\"name\":\"search\",\"arguments\":\"{}\"}}");
    }
    return new ChatMessage("assistant", null, null, null, json(calls.append("]").toString()));
  }

  static ChatMessage toolResult(String id, String text) {
    return new ChatMessage("tool", text, id, "search", null);
  }

  private static List<String> contents(List<ChatMessage> messages) {
    return messages.stream().map(m -> m.role() + ":" + m.content()).toList();
  }

  @Test
  void estimateIsCharsOverFourRoundedUpPlusFourPerMessage() {
    assertThat(ContextTruncator.estimateTokens(List.of())).isZero();
    assertThat(ContextTruncator.estimateTokens(List.of(user("abcde")))).isEqualTo(2 + 4);
    assertThat(ContextTruncator.estimateTokens(List.of(user("abcd"), user(null)))).isEqualTo(9);
  }

  @Test
  void estimateCountsToolCallArguments() {
    ChatMessage call = callsTools("c1");

    assertThat(ContextTruncator.estimateTokens(List.of(call)))
        .isEqualTo((call.toolCalls().toString().length() + 3) / 4 + 4);
  }

  @Test
  void shrinkDropsTheOldestHalfAndKeepsSystemAndLastUser() {
    List<ChatMessage> chat =
        List.of(
            system("rules"),
            user("q1"),
            assistant("a1"),
            user("q2"),
            assistant("a2"),
            system("more rules"),
            user("q3"));

    List<ChatMessage> shrunk = ContextTruncator.shrink(chat).orElseThrow();

    assertThat(contents(shrunk))
        .containsExactly("system:rules", "user:q2", "assistant:a2", "system:more rules", "user:q3");
  }

  @Test
  void shrinkDropsAtLeastOneMessage() {
    List<ChatMessage> chat = List.of(system("s"), assistant("earlier"), user("q"));

    assertThat(contents(ContextTruncator.shrink(chat).orElseThrow()))
        .containsExactly("system:s", "user:q");
  }

  @Test
  void messagesAfterTheLastUserMessageAreDroppableToo() {
    List<ChatMessage> chat = List.of(system("s"), user("q"), assistant("a1"), assistant("a2"));

    assertThat(contents(ContextTruncator.shrink(chat).orElseThrow()))
        .containsExactly("system:s", "user:q", "assistant:a2");
  }

  @Test
  void withNothingToDropTheLongestMessageLosesItsMiddle() {
    String longText = "A".repeat(100) + "M".repeat(200) + "Z".repeat(100);
    List<ChatMessage> chat = List.of(system("short system prompt"), user(longText));

    List<ChatMessage> shrunk = ContextTruncator.shrink(chat).orElseThrow();

    assertThat(shrunk.get(0)).isEqualTo(chat.get(0));
    assertThat(shrunk.get(1).content())
        .isEqualTo("A".repeat(100) + "\n…[truncated]…\n" + "Z".repeat(100))
        .doesNotContain("M");
  }

  @Test
  void theLongestMessageIsCutEvenWhenItIsTheSystemPrompt() {
    List<ChatMessage> chat = List.of(system("S".repeat(400)), user("q"));

    List<ChatMessage> shrunk = ContextTruncator.shrink(chat).orElseThrow();

    assertThat(shrunk.get(0).content()).hasSize(200 + ContextTruncator.MARKER.length());
    assertThat(shrunk.get(1)).isEqualTo(chat.get(1));
  }

  @Test
  void nothingLeftToCutGivesEmpty() {
    List<ChatMessage> chat = List.of(system("s".repeat(63)), user("u".repeat(63)));

    assertThat(ContextTruncator.shrink(chat)).isEmpty();
    assertThat(ContextTruncator.shrink(List.of())).isEmpty();
  }

  @Test
  void repeatedShrinkConvergesInBoundedRoundsAndEachRoundIsSmaller() {
    List<ChatMessage> chat = new ArrayList<>(List.of(system("x".repeat(5_000))));
    for (int i = 0; i < 200; i++) {
      chat.add(i % 2 == 0 ? user("question " + i + "y".repeat(i * 10)) : assistant("answer " + i));
    }
    chat.add(user("z".repeat(100_000)));

    List<ChatMessage> current = chat;
    int rounds = 0;
    for (Optional<List<ChatMessage>> next = ContextTruncator.shrink(current);
        next.isPresent();
        next = ContextTruncator.shrink(current)) {
      assertThat(ContextTruncator.estimateTokens(next.get()))
          .isLessThan(ContextTruncator.estimateTokens(current));
      current = next.get();
      assertThat(++rounds).isLessThan(50);
    }

    assertThat(current).extracting(ChatMessage::role).containsExactly("system", "user");
    assertThat(current.get(1).content()).startsWith("zzz").endsWith("zzz").hasSizeLessThan(64);
  }

  @Test
  void shrinkNeverSplitsASurrogatePair() {
    String emoji = "\uD83D\uDE00"; // 😀, two chars
    List<ChatMessage> chat = List.of(user(emoji.repeat(50)));

    String cut = ContextTruncator.shrink(chat).orElseThrow().get(0).content();

    assertThat(cut.replace(ContextTruncator.MARKER, "")).matches("(\uD83D\uDE00)+");
  }
}
