package dev.steadfast.executors.egress;

import java.util.Locale;

/**
 * A host glob of {@code --egress-allow}, optionally with a port ({@code localhost:8089}, {@code
 * *.openai.com}, {@code [::1]:8080}). {@code *} stands for any run of characters, dots included, so
 * {@code *.openai.com} matches {@code api.openai.com} and {@code a.b.openai.com} but not {@code
 * openai.com}. Matching ignores case and a trailing dot. It names hosts as they are spelled in a
 * URL; addresses are matched by {@link EgressPolicy}'s CIDRs, never as text.
 *
 * @param host the host pattern, lower case, brackets of an IPv6 literal removed
 * @param port a port, {@code *}, or null for any port
 */
public record HostGlob(String host, String port) {
  /**
   * Whether {@code host:port} matches {@code glob}; a glob that cannot be read matches nothing.
   * Shared with the Secret annotation {@code steadfast.dev/allowed-hosts}, which uses the same
   * syntax.
   */
  public static boolean matches(String host, int port, String glob) {
    HostGlob g = parse(glob);
    return g != null && g.matches(host, port);
  }

  /**
   * Splits {@code host[:port]}; an IPv6 literal needs brackets to carry a port.
   *
   * @return null when the text is not a host glob
   */
  public static HostGlob parse(String text) {
    String glob = text.strip().toLowerCase(Locale.ROOT);
    String host = glob;
    String port = null;
    if (glob.startsWith("[")) {
      int close = glob.indexOf(']');
      if (close < 0) {
        return null;
      }
      host = glob.substring(0, close + 1);
      String rest = glob.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          return null;
        }
        port = rest.substring(1);
      }
    } else if (glob.indexOf(':') >= 0 && glob.indexOf(':') == glob.lastIndexOf(':')) {
      host = glob.substring(0, glob.indexOf(':'));
      port = glob.substring(glob.indexOf(':') + 1);
    }
    if (host.isEmpty() || !host.matches("[a-z0-9*.\\-_\\[\\]:%]+")) {
      return null;
    }
    if (port != null && !port.equals("*") && !validPort(port)) {
      return null;
    }
    return new HostGlob(normalize(host), port);
  }

  /**
   * Whether a request to {@code host:port} matches.
   *
   * @param port the effective port (443 for https without one); -1 when unknown, which only a glob
   *     without a port matches
   */
  public boolean matches(String host, int port) {
    if (host == null) {
      return false;
    }
    return matchesPort(port) && wildcard(normalize(host), this.host);
  }

  /** A glob's port matches an effective port; -1 (unknown) only a glob without a port. */
  boolean matchesPort(int p) {
    return port == null || port.equals("*") || port.equals(Integer.toString(p));
  }

  static boolean validPort(String port) {
    return port.matches("[0-9]{1,5}") && Integer.parseInt(port) <= 65535;
  }

  /** "[::1]" and "api.example.com." name the same hosts as "::1" and "api.example.com". */
  static String normalize(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  /** Glob match where only {@code *} is special; no regex, so nothing to escape. */
  private static boolean wildcard(String text, String pattern) {
    int t = 0;
    int p = 0;
    int star = -1;
    int mark = 0;
    while (t < text.length()) {
      if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        mark = t;
      } else if (p < pattern.length() && pattern.charAt(p) == text.charAt(t)) {
        p++;
        t++;
      } else if (star >= 0) {
        p = star + 1;
        t = ++mark;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }
}
