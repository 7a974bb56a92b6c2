package dev.steadfast.engine.exec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable set of strings to mask, matched in one pass over a text. Patterns are bucketed by
 * their first character and tried longest first at each position, so the cost is one table lookup
 * per character plus a comparison per pattern that starts with that character; a text with no match
 * is returned as is. Overlapping and adjacent matches merge into one mask, so two secrets sharing
 * characters leave none of either visible. The mask itself is a pattern too: a text redacted twice
 * stays the same, and a one-character secret never eats into an earlier mask.
 */
final class Masks {
  static final Masks EMPTY = new Masks(List.of(), "");

  private final String mask;
  private final int count;
  private final String[][] ascii = new String[128][];
  private final Map<Character, String[]> other = new HashMap<>();

  Masks(Collection<String> patterns, String mask) {
    this.mask = mask;
    Map<Character, List<String>> byFirst = new HashMap<>();
    List<String> all = new ArrayList<>(patterns);
    if (!all.isEmpty() && !mask.isEmpty()) {
      all.add(mask);
    }
    for (String p : all) {
      if (!p.isEmpty()) {
        byFirst.computeIfAbsent(p.charAt(0), k -> new ArrayList<>()).add(p);
      }
    }
    int n = 0;
    for (Map.Entry<Character, List<String>> e : byFirst.entrySet()) {
      String[] sorted =
          e.getValue().stream()
              .distinct()
              .sorted(Comparator.comparingInt(String::length).reversed())
              .toArray(String[]::new);
      n += sorted.length;
      char c = e.getKey();
      if (c < 128) {
        ascii[c] = sorted;
      } else {
        other.put(c, sorted);
      }
    }
    this.count = n;
  }

  /** How many patterns, the mask included. */
  int size() {
    return count;
  }

  String apply(String text) {
    if (count == 0 || text == null || text.isEmpty()) {
      return text;
    }
    StringBuilder out = null;
    int copied = 0; // text before this index is in `out`
    int regionStart = -1;
    int regionEnd = -1;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String[] candidates = c < 128 ? ascii[c] : other.get(c);
      if (candidates == null) {
        continue;
      }
      for (String p : candidates) {
        if (text.startsWith(p, i)) {
          int end = i + p.length();
          if (regionStart >= 0 && i <= regionEnd) {
            regionEnd = Math.max(regionEnd, end);
          } else {
            if (regionStart >= 0) {
              out = flush(out, text, copied, regionStart);
              copied = regionEnd;
            }
            regionStart = i;
            regionEnd = end;
          }
          break; // the longest pattern at i; shorter ones lie inside it
        }
      }
    }
    if (regionStart < 0) {
      return text;
    }
    out = flush(out, text, copied, regionStart);
    return out.append(text, regionEnd, text.length()).toString();
  }

  private StringBuilder flush(StringBuilder out, String text, int from, int regionStart) {
    StringBuilder b = out == null ? new StringBuilder(text.length()) : out;
    return b.append(text, from, regionStart).append(mask);
  }
}
