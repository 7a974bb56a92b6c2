package dev.steadfast.engine.exec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable set of strings to mask, matched in one pass over a text. A trie of the patterns'
 * first {@value #DEPTH} characters is walked from each position as far as the text follows it;
 * longer patterns hang off the node of their prefix and are compared whole there. The cost per
 * character is the length of the pattern prefix found there (usually 0 or 1), whatever the number
 * of patterns, and memory stays proportional to the patterns themselves even for a large secret (a
 * certificate bundle). A text with no match is returned as is. Overlapping and adjacent matches
 * merge into one mask, so two secrets sharing characters leave none of either visible. The mask
 * itself is a pattern too: a text redacted twice stays the same, and a one-character secret never
 * eats into an earlier mask.
 */
final class Masks {
  static final Masks EMPTY = new Masks(List.of(), "");

  private static final int DEPTH = 16;

  private final String mask;
  private final int count;
  private final Node[] roots = new Node[128]; // ASCII first characters, the common case
  private final Node other; // the root for any other first character

  Masks(Collection<String> patterns, String mask) {
    this.mask = mask;
    Builder root = new Builder();
    int n = 0;
    for (String p : patterns) {
      n += root.add(p) ? 1 : 0;
    }
    if (n > 0 && !mask.isEmpty()) {
      n += root.add(mask) ? 1 : 0;
    }
    this.count = n;
    Builder rest = new Builder();
    root.children.forEach(
        (c, child) -> {
          if (c < 128) {
            roots[c] = child.build();
          } else {
            rest.children.put(c, child);
          }
        });
    this.other = rest.build();
  }

  /** How many distinct patterns, the mask included. */
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
    int length = text.length();
    for (int i = 0; i < length; i++) {
      int longest = longestAt(text, i);
      if (longest == 0) {
        continue;
      }
      int end = i + longest;
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
    }
    if (regionStart < 0) {
      return text;
    }
    out = flush(out, text, copied, regionStart);
    return out.append(text, regionEnd, text.length()).toString();
  }

  /** The length of the longest pattern at {@code i}, 0 if none. */
  private int longestAt(String text, int i) {
    char c = text.charAt(i);
    Node node = c < 128 ? roots[c] : other.child(c);
    int longest = 0;
    int j = i + 1;
    while (node != null) {
      if (node.terminal) {
        longest = j - i;
      }
      for (String p : node.longer) {
        if (text.startsWith(p, i)) {
          return p.length(); // longest first, and longer than any prefix of it in the trie
        }
      }
      if (j >= text.length() || node.keys.length == 0) {
        break;
      }
      node = node.child(text.charAt(j++));
    }
    return longest;
  }

  private StringBuilder flush(StringBuilder out, String text, int from, int regionStart) {
    StringBuilder b = out == null ? new StringBuilder(text.length()) : out;
    return b.append(text, from, regionStart).append(mask);
  }

  /** A frozen trie node: sorted child characters, and patterns longer than the trie is deep. */
  private static final class Node {
    private static final String[] NONE = {};
    final char[] keys;
    final Node[] kids;
    final boolean terminal;
    final String[] longer;

    Node(char[] keys, Node[] kids, boolean terminal, String[] longer) {
      this.keys = keys;
      this.kids = kids;
      this.terminal = terminal;
      this.longer = longer.length == 0 ? NONE : longer;
    }

    Node child(char c) {
      if (keys.length == 1) {
        return keys[0] == c ? kids[0] : null;
      }
      int k = Arrays.binarySearch(keys, c);
      return k < 0 ? null : kids[k];
    }
  }

  private static final class Builder {
    final Map<Character, Builder> children = new TreeMap<>();
    final List<String> longer = new ArrayList<>();
    boolean terminal;

    /** False when the pattern is empty or already present. */
    boolean add(String pattern) {
      if (pattern.isEmpty()) {
        return false;
      }
      Builder b = this;
      int depth = Math.min(pattern.length(), DEPTH);
      for (int i = 0; i < depth; i++) {
        b = b.children.computeIfAbsent(pattern.charAt(i), k -> new Builder());
      }
      if (pattern.length() > DEPTH) {
        if (b.longer.contains(pattern)) {
          return false;
        }
        b.longer.add(pattern);
        return true;
      }
      boolean added = !b.terminal;
      b.terminal = true;
      return added;
    }

    Node build() {
      char[] keys = new char[children.size()];
      Node[] kids = new Node[children.size()];
      int i = 0;
      for (Map.Entry<Character, Builder> e : children.entrySet()) {
        keys[i] = e.getKey();
        kids[i++] = e.getValue().build(); // at most DEPTH deep
      }
      String[] byLength =
          longer.stream()
              .sorted(Comparator.comparingInt(String::length).reversed())
              .toArray(String[]::new);
      return new Node(keys, kids, terminal, byLength);
    }
  }
}
