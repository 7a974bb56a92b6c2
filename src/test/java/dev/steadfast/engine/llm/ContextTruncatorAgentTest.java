package dev.steadfast.engine.llm;

import static dev.steadfast.engine.llm.ContextTruncatorTest.assistant;
import static dev.steadfast.engine.llm.ContextTruncatorTest.callsTools;
import static dev.steadfast.engine.llm.ContextTruncatorTest.system;
import static dev.steadfast.engine.llm.ContextTruncatorTest.toolResult;
import static dev.steadfast.engine.llm.ContextTruncatorTest.user;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Truncation of agent transcripts, and the pre-call {@code fit} to a token budget. */
class ContextTruncatorAgentTest {

  private static List<ChatMessage> transcript(int iterations) {
    List<ChatMessage> messages = new ArrayList<>(List.of(system("agent rules"), user("the task")));
    for (int i = 0; i < iterations; i++) {
      messages.add(callsTools("a" + i, "b" + i));
      messages.add(toolResult("a" + i, "result a" + i + " " + "r".repeat(300)));
      messages.add(toolResult("b" + i, "result b" + i + " " + "r".repeat(300)));
    }
    return messages;
  }

  /** Every tool message answers a call still present, and every call still has its answers. */
  private static void assertToolPairsIntact(List<ChatMessage> messages) {
    Set<String> asked = new HashSet<>();
    Set<String> answered = new HashSet<>();
    for (ChatMessage m : messages) {
      if (m.hasToolCalls()) {
        m.toolCalls().forEach(call -> asked.add(call.get("id").asText()));
      } else if (m.role().equals("tool")) {
        assertThat(asked).as("answer to a call that was dropped").contains(m.toolCallId());
        answered.add(m.toolCallId());
      }
    }
    assertThat(answered).isEqualTo(asked);
  }

  @Test
  void toolCallAndItsResultsAreDroppedTogether() {
    List<ChatMessage> messages = transcript(3);

    List<ChatMessage> shrunk = ContextTruncator.shrink(messages).orElseThrow();

    // Nine droppable messages, half is four: the first group (three) is not enough, so two go.
    assertThat(shrunk).hasSize(messages.size() - 6);
    assertThat(shrunk.subList(0, 2)).isEqualTo(messages.subList(0, 2));
    assertThat(shrunk.subList(2, 5)).isEqualTo(messages.subList(8, 11));
    assertToolPairsIntact(shrunk);
  }

  @Test
  void toolAnswersAreFoundByIdEvenWhenNotAdjacent() {
    List<ChatMessage> messages =
        List.of(
            system("s"),
            user("task"),
            callsTools("c1"),
            assistant("thinking out loud"),
            toolResult("c1", "late answer"),
            assistant("final"));

    List<ChatMessage> shrunk = ContextTruncator.shrink(messages).orElseThrow();

    assertThat(shrunk)
        .extracting(ChatMessage::content)
        .containsExactly("s", "task", "thinking out loud", "final");
  }

  @Test
  void everyShrinkRoundKeepsToolPairsIntactUntilNothingIsLeft() {
    List<ChatMessage> current = transcript(10);
    for (Optional<List<ChatMessage>> next = ContextTruncator.shrink(current);
        next.isPresent();
        next = ContextTruncator.shrink(current)) {
      current = next.get();
      assertToolPairsIntact(current);
    }

    assertThat(current).extracting(ChatMessage::content).containsExactly("agent rules", "the task");
  }

  @Test
  void fitReturnsTheSameMessagesWhenTheyAlreadyFit() {
    List<ChatMessage> messages = transcript(2);

    assertThat(ContextTruncator.fit(messages, 1_000_000)).isEqualTo(messages);
  }

  @Test
  void fitDropsOnlyAsManyOldGroupsAsNeeded() {
    List<ChatMessage> messages = transcript(10);
    int budget = ContextTruncator.estimateTokens(messages) - 100;

    List<ChatMessage> fitted = ContextTruncator.fit(messages, budget);

    assertThat(ContextTruncator.estimateTokens(fitted)).isLessThanOrEqualTo(budget);
    // One group of ~200 tokens is enough; the newest iterations are all still there.
    assertThat(fitted).hasSize(messages.size() - 3);
    assertThat(fitted.subList(2, fitted.size())).isEqualTo(messages.subList(5, messages.size()));
    assertToolPairsIntact(fitted);
  }

  @Test
  void fitCutsJustEnoughOfTheLongestMessage() {
    String document = "D".repeat(10_000);
    List<ChatMessage> messages = List.of(system("summarize"), user(document));
    int budget = 2_000;

    List<ChatMessage> fitted = ContextTruncator.fit(messages, budget);

    assertThat(ContextTruncator.estimateTokens(fitted)).isBetween(budget - 1, budget);
    assertThat(fitted.get(0)).isEqualTo(messages.get(0));
    assertThat(fitted.get(1).content()).contains(ContextTruncator.MARKER);
  }

  @Test
  void fitSpreadsLargeCutsOverSeveralMessages() {
    List<ChatMessage> messages = List.of(system("S".repeat(4_000)), user("U".repeat(6_000)));

    List<ChatMessage> fitted = ContextTruncator.fit(messages, 1_000);

    assertThat(ContextTruncator.estimateTokens(fitted)).isLessThanOrEqualTo(1_000);
    assertThat(fitted).allSatisfy(m -> assertThat(m.content()).contains(ContextTruncator.MARKER));
  }

  @Test
  void fitMeetsTheBudgetForAMixedTranscript() {
    List<ChatMessage> messages = new ArrayList<>(transcript(5));
    messages.add(user("follow-up " + "f".repeat(3_000)));
    messages.add(assistant("a".repeat(2_000)));

    for (int budget : new int[] {2_000, 1_000, 500, 100}) {
      List<ChatMessage> fitted = ContextTruncator.fit(messages, budget);
      assertThat(ContextTruncator.estimateTokens(fitted)).isLessThanOrEqualTo(budget);
      assertThat(fitted.get(0)).isEqualTo(messages.get(0));
      assertThat(fitted).extracting(ChatMessage::role).contains("user");
      assertToolPairsIntact(fitted);
    }
  }

  @Test
  void fitReturnsTheSmallestReachableWhenTheBudgetIsImpossible() {
    List<ChatMessage> messages = transcript(3);

    List<ChatMessage> fitted = ContextTruncator.fit(messages, 1);

    assertThat(fitted).extracting(ChatMessage::content).containsExactly("agent rules", "the task");
    assertThat(ContextTruncator.shrink(fitted)).isEmpty();
  }
}
