package dev.steadfast.engine.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BracketSpansTest {

  /** The definition: a fresh scan from each opening bracket (what LenientJson did, quadratic). */
  static int naiveEnd(String text, int start) {
    char first = text.charAt(start);
    if (first != '{' && first != '[') {
      return BracketSpans.UNCLOSED;
    }
    int depth = 0;
    boolean inString = false;
    boolean escaped = false;
    for (int i = start; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return i;
      }
    }
    return BracketSpans.UNCLOSED;
  }

  @Test
  void answersWhatAScanFromEachBracketWouldOnRandomReplies() {
    Random random = new Random(11);
    String alphabet = "{}[]\"\\ a:,";
    for (int round = 0; round < 20_000; round++) {
      StringBuilder b = new StringBuilder();
      int length = 1 + random.nextInt(40);
      for (int i = 0; i < length; i++) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String text = b.toString();
      int[] close = BracketSpans.closingIndexes(text);
      for (int i = 0; i < text.length(); i++) {
        assertThat(close[i]).as("%s at %d", text, i).isEqualTo(naiveEnd(text, i));
      }
    }
  }

  @Test
  void strayQuotesInProseDoNotHideTheJsonAfterThem() {
    String text = "The 12\" record: {\"a\": \"}\"} and [1, {\"b\": 2}]";
    int[] close = BracketSpans.closingIndexes(text);

    int object = text.indexOf('{');
    assertThat(text.substring(object, close[object] + 1)).isEqualTo("{\"a\": \"}\"}");
    int list = text.indexOf('[');
    assertThat(text.substring(list, close[list] + 1)).isEqualTo("[1, {\"b\": 2}]");
  }

  @Test
  void aReplyOfOnlyOpeningBracketsHasNoSpan() {
    for (String reply : new String[] {"{".repeat(200_000), "[".repeat(200_000)}) {
      assertThat(BracketSpans.closingIndexes(reply)).containsOnly(BracketSpans.UNCLOSED);
    }
  }
}
