package dev.steadfast.engine.exec;

import dev.steadfast.api.Tier;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code --egress-allow} (SPEC §4): http, llm and agent calls may only reach hosts matching one of
 * the globs; any other call fails Fatal {@code EgressDenied} before it is sent. An empty list
 * allows everything. Tool calls of an agent are HttpCalls: wrap the agent's tool executor as well.
 *
 * <p>A glob is a host, optionally with a port ({@code localhost:8089}); {@code *} stands for any
 * run of characters, dots included, so {@code *.openai.com} matches {@code api.openai.com} and
 * {@code a.b.openai.com} but not {@code openai.com}. Matching ignores case and a trailing dot.
 */
public final class EgressGuard implements Executor {
  private final Executor delegate;
  private final List<String> globs;

  /**
   * @throws IllegalArgumentException naming a glob that is not a host or host:port pattern
   */
  public EgressGuard(Executor delegate, List<String> hostGlobs) {
    this.delegate = delegate;
    List<String> clean = new ArrayList<>();
    for (String g : hostGlobs) {
      String glob = g == null ? "" : g.strip().toLowerCase(Locale.ROOT);
      if (glob.isEmpty()) {
        continue; // "a,,b" on the command line
      }
      if (parse(glob) == null) {
        throw new IllegalArgumentException(
            "--egress-allow: \"" + g + "\" is not a host glob (host or host:port, * as wildcard)");
      }
      clean.add(glob);
    }
    this.globs = List.copyOf(clean);
  }

  @Override
  public Outcome execute(AttemptRequest request) {
    if (globs.isEmpty()) {
      return delegate.execute(request);
    }
    Call call = request.call();
    String field;
    String url;
    if (call instanceof Call.HttpCall http) {
      field = "http.url";
      url = http.url();
    } else if (call instanceof Call.LlmCall llm) {
      field = "llm.endpoint";
      url = llm.endpoint();
    } else if (call instanceof Call.AgentCall agent) {
      field = "llm.endpoint";
      url = agent.llm() == null ? null : agent.llm().endpoint();
    } else {
      // Jobs run in pods; their egress is a NetworkPolicy's business, not the operator's.
      return delegate.execute(request);
    }
    URI uri;
    try {
      uri = Requests.uri(url);
    } catch (IllegalArgumentException e) {
      return new Outcome.Failed(
          Failure.of(Tier.Fatal, "InvalidSpec", field + ": " + e.getMessage()));
    }
    String host = uri.getHost();
    int port = uri.getPort() != -1 ? uri.getPort() : defaultPort(uri.getScheme());
    for (String glob : globs) {
      if (matches(host, port, glob)) {
        return delegate.execute(request);
      }
    }
    String shown = uri.getPort() == -1 ? host : host + ":" + uri.getPort();
    return new Outcome.Failed(
        Failure.of(Tier.Fatal, "EgressDenied", "host " + shown + " is not in --egress-allow"));
  }

  /**
   * Whether a request to {@code host:port} is allowed by {@code glob}.
   *
   * @param port the effective port (443 for https without one)
   */
  public static boolean matches(String host, int port, String glob) {
    String[] parts = parse(glob.strip().toLowerCase(Locale.ROOT));
    if (parts == null || host == null) {
      return false;
    }
    if (parts[1] != null && !parts[1].equals("*") && !parts[1].equals(Integer.toString(port))) {
      return false;
    }
    return wildcard(normalize(host), normalize(parts[0]));
  }

  /** {host glob, port or "*" or null}, or null when the glob is malformed. */
  private static String[] parse(String glob) {
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
    if (host.isEmpty() || !host.matches("[a-z0-9*.\\-_\\[\\]:]+")) {
      return null;
    }
    if (port != null && !port.equals("*") && !port.matches("[0-9]{1,5}")) {
      return null;
    }
    return new String[] {host, port};
  }

  // "[::1]" and "api.example.com." name the same hosts as "::1" and "api.example.com".
  private static String normalize(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  /** Glob match where only {@code *} is special; linear-ish, no regex to escape. */
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

  private static int defaultPort(String scheme) {
    return "https".equalsIgnoreCase(scheme) ? 443 : 80;
  }
}
