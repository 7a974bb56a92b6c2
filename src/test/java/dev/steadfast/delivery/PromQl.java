package dev.steadfast.delivery;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the dashboard and alert tests need to know of a PromQL expression: the metric names it reads
 * and whether its brackets balance. Not a parser (none is in the stack): string literals, label
 * matchers, range selectors and grouping label lists are removed first, so every identifier left
 * that is not a function call, keyword or number is a metric name.
 */
final class PromQl {
  private static final Set<String> KEYWORDS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "bool",
          "and",
          "or",
          "unless",
          "offset",
          "inf",
          "nan");

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^{}]*}");
  private static final Pattern RANGE = Pattern.compile("\\[[^\\[\\]]*]");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)");
  private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Map<Character, Character> CLOSE = Map.of(')', '(', ']', '[', '}', '{');

  private PromQl() {}

  /** The metric names {@code expr} reads, in order of appearance. */
  static Set<String> metricNames(String expr) {
    String s = STRING.matcher(expr).replaceAll("\"\"");
    s = MATCHERS.matcher(s).replaceAll(" ");
    s = RANGE.matcher(s).replaceAll(" ");
    s = GROUPING.matcher(s).replaceAll(" ");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = IDENT.matcher(s);
    while (m.find()) {
      String word = m.group();
      boolean call = s.substring(m.end()).stripLeading().startsWith("(");
      boolean variable = m.start() > 0 && s.charAt(m.start() - 1) == '$';
      boolean number = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
      if (!call && !variable && !number && !KEYWORDS.contains(word.toLowerCase())) {
        names.add(word);
      }
    }
    return names;
  }

  private static final Pattern SELECTOR =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*\\{([^{}]*)}");
  private static final Pattern MATCHER_LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)\\s*\"\"");

  /**
   * The label names each metric's selectors match on: {@code x{a="1", b=~"2"}} gives x → [a, b]. A
   * selector with no metric name ({@code {__name__="x"}}) is not read.
   */
  static Map<String, Set<String>> selectorLabels(String expr) {
    String s = STRING.matcher(expr).replaceAll("\"\"");
    Map<String, Set<String>> labels = new java.util.LinkedHashMap<>();
    Matcher m = SELECTOR.matcher(s);
    while (m.find()) {
      Set<String> names = labels.computeIfAbsent(m.group(1), n -> new LinkedHashSet<>());
      Matcher l = MATCHER_LABEL.matcher(m.group(2));
      while (l.find()) {
        names.add(l.group(1));
      }
    }
    return labels;
  }

  /** Null when (), [] and {} nest properly outside string literals, else what is wrong. */
  static String unbalanced(String expr) {
    String s = STRING.matcher(expr).replaceAll("\"\"");
    Deque<Character> open = new ArrayDeque<>();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(' || c == '[' || c == '{') {
        open.push(c);
      } else if (CLOSE.containsKey(c)) {
        if (open.isEmpty() || open.pop() != CLOSE.get(c)) {
          return "unexpected '" + c + "' at " + i;
        }
      }
    }
    return open.isEmpty() ? null : "unclosed '" + open.peek() + "'";
  }
}
