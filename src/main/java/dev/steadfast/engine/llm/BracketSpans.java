package dev.steadfast.engine.llm;

import java.util.Arrays;

/**
 * Where each bracketed span of a model's reply closes, found in linear time (docs/security.md:
 * parsing model output is linear in its size).
 *
 * <p>The answer for an opening bracket is what a scan starting there would find: the bracket that
 * brings the depth back to zero, brackets inside JSON strings not counting, so {"a": "}"} is one
 * object. Scanning afresh from every bracket is quadratic (a reply of 200,000 "{" took 11.6 s).
 * Instead one scan answers every bracket it meets outside a string, with a stack; a bracket it met
 * inside a string (a stray quote in the prose before it) gets a scan of its own, which stops as
 * soon as it is outside a string with nothing open at a place an earlier scan was also outside a
 * string: from there on the two scans see the same thing. A budget of scanned characters bounds the
 * whole at a few passes; brackets it leaves unanswered count as unclosed.
 */
final class BracketSpans {
  static final int UNCLOSED = -1;
  private static final int NOT_OPENING = -2;
  private static final int UNKNOWN = -3;
  private static final int PASSES = 8;

  private BracketSpans() {}

  /**
   * For each index of {@code text}: the index of the bracket closing the one opening there, or
   * {@link #UNCLOSED} (also for indexes that hold no opening bracket).
   */
  static int[] closingIndexes(String text) {
    int n = text.length();
    int[] close = new int[n];
    for (int i = 0; i < n; i++) {
      close[i] = opening(text.charAt(i)) ? UNKNOWN : NOT_OPENING;
    }
    boolean[] outsideSeen = new boolean[n];
    long budget = (long) PASSES * n;
    int next = 0;
    while (budget > 0) {
      while (next < n && close[next] != UNKNOWN) {
        next++;
      }
      if (next == n) {
        break;
      }
      budget -= scan(text, next, close, outsideSeen);
    }
    for (int i = 0; i < n; i++) {
      if (close[i] < 0) {
        close[i] = UNCLOSED;
      }
    }
    return close;
  }

  /** One scan from the opening bracket at {@code start}; returns the characters it read. */
  private static int scan(String text, int start, int[] close, boolean[] outsideSeen) {
    int[] open = new int[16];
    int depth = 0;
    boolean inString = false;
    boolean escaped = false;
    int i = start;
    for (; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          inString = false;
        }
        continue;
      }
      if (depth == 0 && i > start && outsideSeen[i]) {
        break; // an earlier scan was here in the same state and answered what follows
      }
      outsideSeen[i] = true;
      if (c == '"') {
        inString = true;
      } else if (opening(c)) {
        if (depth == open.length) {
          open = Arrays.copyOf(open, depth * 2);
        }
        open[depth++] = i;
      } else if ((c == '}' || c == ']') && depth > 0) {
        close[open[--depth]] = i;
      }
    }
    for (int d = 0; d < depth; d++) {
      close[open[d]] = UNCLOSED;
    }
    return i - start + 1;
  }

  private static boolean opening(char c) {
    return c == '{' || c == '[';
  }
}
