package dev.steadfast.engine.llm;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code onContextOverflow: Truncate} (docs/tasks.md, llm): drop the oldest messages that are
 * neither system messages nor the last user message, then cut the middle out of the longest
 * remaining message. Pure functions over immutable lists; messages keep their order, and an
 * assistant message asking for tool calls is always dropped together with the tool messages
 * answering it, because providers reject a transcript in which either one is missing.
 */
public final class ContextTruncator {

  static final String MARKER = "\n…[truncated]…\n";
  // Below this, cutting the middle leaves too little to be worth a request (and the marker alone
  // would make the message longer).
  static final int MIN_CUTTABLE = 64;
  private static final int TOKENS_PER_MESSAGE = 4;
  private static final int CHARS_PER_TOKEN = 4;

  private ContextTruncator() {}

  /**
   * A provider-independent guess: about four characters per token, plus a few tokens of framing per
   * message. Tool-call arguments count as characters too.
   */
  public static int estimateTokens(List<ChatMessage> messages) {
    long tokens = ceilDiv(totalChars(messages)) + (long) TOKENS_PER_MESSAGE * messages.size();
    return (int) Math.min(Integer.MAX_VALUE, tokens);
  }

  /**
   * One truncation round after a ContextOverflow error: drops the oldest half (at least one) of the
   * droppable messages, or when none is left halves the longest message by cutting its middle.
   *
   * @return a strictly smaller request, or empty when nothing more can be cut
   */
  public static Optional<List<ChatMessage>> shrink(List<ChatMessage> messages) {
    List<List<Integer>> units = droppableUnits(messages);
    if (!units.isEmpty()) {
      int droppable = units.stream().mapToInt(List::size).sum();
      int target = Math.max(1, droppable / 2);
      Set<Integer> drop = new HashSet<>();
      for (List<Integer> unit : units) {
        if (drop.size() >= target) {
          break;
        }
        drop.addAll(unit);
      }
      return Optional.of(without(messages, drop));
    }
    int longest = indexOfLongest(messages);
    if (longest < 0 || length(messages.get(longest)) < MIN_CUTTABLE) {
      return Optional.empty();
    }
    String content = messages.get(longest).content();
    int quarter = content.length() / 4;
    return Optional.of(replace(messages, longest, cutMiddle(content, quarter, quarter)));
  }

  /**
   * Pre-check before a call: trims with the same rules as {@link #shrink} but stops as soon as the
   * estimate fits, dropping one message (or tool-call group) at a time and cutting no more of a
   * message's middle than needed.
   *
   * @param budgetTokens contextWindow minus the tokens reserved for the answer (maxTokens)
   * @return a request whose estimate is at most the budget, or the smallest one reachable
   */
  public static List<ChatMessage> fit(List<ChatMessage> messages, int budgetTokens) {
    List<ChatMessage> current = List.copyOf(messages);
    if (estimateTokens(current) <= budgetTokens) {
      return current;
    }
    Set<Integer> drop = new HashSet<>();
    for (List<Integer> unit : droppableUnits(current)) {
      drop.addAll(unit);
      List<ChatMessage> candidate = without(current, drop);
      if (estimateTokens(candidate) <= budgetTokens) {
        return candidate;
      }
    }
    current = without(current, drop);
    while (estimateTokens(current) > budgetTokens) {
      int longest = indexOfLongest(current);
      if (longest < 0 || length(current.get(longest)) < MIN_CUTTABLE) {
        return current;
      }
      String content = current.get(longest).content();
      // ceil(chars / 4) <= budget - framing  <=>  chars <= 4 * (budget - framing)
      long allowed =
          (long) CHARS_PER_TOKEN * (budgetTokens - (long) TOKENS_PER_MESSAGE * current.size());
      long remove = totalChars(current) - allowed + MARKER.length();
      // Cut exactly enough when that leaves at least half of the message; otherwise halve it and
      // let the next-longest message give up the rest, so no single message is gutted.
      int keep =
          remove <= content.length() / 2 ? (int) (content.length() - remove) : content.length() / 2;
      current = replace(current, longest, cutMiddle(content, keep - keep / 2, keep / 2));
    }
    return current;
  }

  /**
   * Droppable messages, oldest first, as groups of indexes: an assistant message with tool calls
   * forms one group with the tool messages answering it (those right after it, and any later one
   * naming one of its call ids); every other droppable message is a group of its own.
   */
  static List<List<Integer>> droppableUnits(List<ChatMessage> messages) {
    int lastUser = -1;
    for (int i = 0; i < messages.size(); i++) {
      if (ChatMessage.USER.equals(messages.get(i).role())) {
        lastUser = i;
      }
    }
    Set<Integer> grouped = new HashSet<>();
    List<List<Integer>> units = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      ChatMessage message = messages.get(i);
      if (i == lastUser || ChatMessage.SYSTEM.equals(message.role()) || grouped.contains(i)) {
        continue;
      }
      List<Integer> unit = new ArrayList<>(List.of(i));
      if (message.hasToolCalls()) {
        Set<String> ids = new HashSet<>();
        for (JsonNode call : message.toolCalls()) {
          ids.add(call.path("id").asText(""));
        }
        boolean adjacent = true;
        for (int j = i + 1; j < messages.size(); j++) {
          ChatMessage next = messages.get(j);
          boolean isTool = ChatMessage.TOOL.equals(next.role());
          adjacent &= isTool;
          if (isTool && (adjacent || ids.contains(next.toolCallId()))) {
            unit.add(j);
            grouped.add(j);
          }
        }
      }
      units.add(unit);
    }
    return units;
  }

  /** Head and tail of {@code text} joined by the marker, never splitting a surrogate pair. */
  static String cutMiddle(String text, int headChars, int tailChars) {
    int headEnd = headChars;
    if (headEnd > 0 && Character.isHighSurrogate(text.charAt(headEnd - 1))) {
      headEnd--;
    }
    int tailStart = text.length() - tailChars;
    if (tailStart < text.length() && Character.isLowSurrogate(text.charAt(tailStart))) {
      tailStart++;
    }
    return text.substring(0, headEnd) + MARKER + text.substring(tailStart);
  }

  private static List<ChatMessage> without(List<ChatMessage> messages, Set<Integer> drop) {
    List<ChatMessage> kept = new ArrayList<>(messages.size() - drop.size());
    for (int i = 0; i < messages.size(); i++) {
      if (!drop.contains(i)) {
        kept.add(messages.get(i));
      }
    }
    return List.copyOf(kept);
  }

  private static List<ChatMessage> replace(List<ChatMessage> messages, int index, String content) {
    List<ChatMessage> copy = new ArrayList<>(messages);
    copy.set(index, messages.get(index).withContent(content));
    return List.copyOf(copy);
  }

  // The first of equally long messages is cut: the older text is the less relevant.
  private static int indexOfLongest(List<ChatMessage> messages) {
    int best = -1;
    for (int i = 0; i < messages.size(); i++) {
      if (best < 0 || length(messages.get(i)) > length(messages.get(best))) {
        best = i;
      }
    }
    return best;
  }

  // Only the text can be cut; tool-call arguments must stay valid JSON.
  private static int length(ChatMessage message) {
    return message.content() == null ? 0 : message.content().length();
  }

  private static long totalChars(List<ChatMessage> messages) {
    return messages.stream().mapToLong(ChatMessage::chars).sum();
  }

  private static long ceilDiv(long chars) {
    return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
  }
}
