package dev.steadfast.engine.expr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Templates of URLs (an http {@code url}, an llm {@code endpoint}, an agent tool's url), rendered
 * so that a value can never choose where the request goes (docs/security.md "Names are safe
 * everywhere").
 *
 * <p>Where an expression sits decides how its value is inserted. Before the text rendered so far
 * holds a complete {@code scheme://host} followed by {@code /}, {@code ?} or {@code #}, it is in
 * <em>origin</em> position: it may read only {@code inputs} (values the author typed) and is
 * inserted as is; anything else there — a step output, a forEach item, a tool argument — is
 * refused. Everywhere after, in the path, query or fragment, the value is percent-encoded as one
 * component, so a {@code /}, {@code ../}, {@code ?x=}, {@code #} or {@code @} in it is data, not
 * structure.
 */
public final class UrlTemplate {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(.*?)}}", Pattern.DOTALL);
  private static final Pattern DOTS = Pattern.compile("\\.+");

  /** Where in a URL an expression's value lands. */
  public enum Position {
    ORIGIN,
    PATH,
    QUERY,
    FRAGMENT
  }

  /** An expression in origin position that reads more than inputs. */
  public static final class UnsafeUrlException extends ExpressionException {
    public UnsafeUrlException(String expression, String message) {
      super(expression, message);
    }
  }

  private UrlTemplate() {}

  /**
   * Renders the template; throws {@link UnsafeUrlException} for a value that would set the host.
   */
  public static String render(Cel cel, String template, Map<String, ?> vars) {
    if (template == null) {
      return "";
    }
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    int last = 0;
    while (m.find()) {
      out.append(template, last, m.start());
      String expression = m.group(1).strip();
      Position position = position(out);
      if (position == Position.ORIGIN) {
        refuseUnlessInputs(cel, expression);
      }
      String text = text(cel.evalJson(expression, vars));
      out.append(position == Position.ORIGIN ? text : encode(text, position));
      last = m.end();
    }
    out.append(template.substring(last));
    return out.toString();
  }

  /**
   * Problems visible without running the task: an expression in origin position that reads more
   * than inputs. {@code inputs} are known before the task runs, so the template is followed with
   * their values up to the first expression whose position they cannot settle (one that fails to
   * evaluate); from there on the check is made when the template is rendered.
   */
  public static List<String> problems(Cel cel, String template, JsonNode inputs) {
    List<String> out = new ArrayList<>();
    if (template == null) {
      return out;
    }
    Map<String, Object> vars = new HashMap<>();
    for (String v : Cel.TASK_VARIABLES) {
      vars.put(v, CelValues.fromJson(null));
    }
    vars.put("inputs", CelValues.fromJson(inputs == null ? NullNode.getInstance() : inputs));
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder rendered = new StringBuilder();
    int last = 0;
    try {
      while (m.find()) {
        rendered.append(template, last, m.start());
        String expression = m.group(1).strip();
        if (position(rendered) == Position.ORIGIN) {
          refuseUnlessInputs(cel, expression);
          rendered.append(text(cel.evalJson(expression, vars)));
        } else {
          rendered.append('x'); // an encoded value: never structure
        }
        last = m.end();
      }
    } catch (UnsafeUrlException e) {
      out.add(e.getMessage());
    } catch (ExpressionException e) {
      // Does not compile (reported by the expression check) or needs the running task.
    }
    return out;
  }

  /** Where a value appended to {@code rendered} (trusted text so far) would land. */
  public static Position position(CharSequence rendered) {
    String s = rendered.toString();
    int scheme = s.indexOf("://");
    if (scheme < 0) {
      return Position.ORIGIN;
    }
    int end = indexOfAny(s, scheme + 3, "/?#");
    if (end < 0) {
      return Position.ORIGIN;
    }
    int fragment = s.indexOf('#', end);
    if (fragment >= 0) {
      return Position.FRAGMENT;
    }
    return s.indexOf('?', end) >= 0 ? Position.QUERY : Position.PATH;
  }

  /**
   * Percent-encodes a value as one URL component: everything but the unreserved characters of RFC
   * 3986 ({@code A-Z a-z 0-9 - . _ ~}) as UTF-8 bytes. In a path a value of dots only is encoded
   * too, so it cannot be the segment {@code .} or {@code ..}.
   */
  public static String encode(String value, Position position) {
    if (position == Position.PATH && DOTS.matcher(value).matches()) {
      return "%2E".repeat(value.length());
    }
    // URLEncoder encodes for HTML forms; these three replacements make it RFC 3986 component
    // encoding (space as %20, '*' encoded, '~' kept).
    return URLEncoder.encode(value, StandardCharsets.UTF_8)
        .replace("+", "%20")
        .replace("*", "%2A")
        .replace("%7E", "~");
  }

  private static void refuseUnlessInputs(Cel cel, String expression) {
    Set<String> read = cel.variables(expression);
    List<String> untrusted = read.stream().filter(v -> !v.equals("inputs")).toList();
    if (!untrusted.isEmpty()) {
      throw new UnsafeUrlException(
          expression,
          "the scheme and host may not come from "
              + expression
              + " ("
              + String.join(", ", untrusted.stream().map(UrlTemplate::describe).toList())
              + "); only literal text and inputs may set them, so write the host out, as in"
              + " https://api.example.com/{{ "
              + expression
              + " }}");
    }
  }

  private static String describe(String variable) {
    return switch (variable) {
      case "steps" -> "a step output";
      case "item", "index" -> "a forEach item";
      case "args" -> "a tool argument";
      case "response", "error" -> "a response";
      default -> variable;
    };
  }

  private static String text(JsonNode value) {
    return value.isTextual() ? value.textValue() : value.isNull() ? "" : value.toString();
  }

  private static int indexOfAny(String s, int from, String chars) {
    for (int i = from; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }
}
