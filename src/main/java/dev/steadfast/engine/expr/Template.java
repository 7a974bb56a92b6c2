package dev.steadfast.engine.expr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Strings with {@code {{ expr }}} placeholders (docs/tasks.md). A template that is one expression
 * and nothing else yields the value itself; inside longer text, objects and lists render as JSON.
 */
public final class Template {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(.*?)}}", Pattern.DOTALL);

  private Template() {}

  /** The expressions inside a template, for validation. */
  public static List<String> expressions(String template) {
    List<String> out = new ArrayList<>();
    if (template == null) {
      return out;
    }
    Matcher m = PLACEHOLDER.matcher(template);
    while (m.find()) {
      out.add(m.group(1).strip());
    }
    return out;
  }

  /** Whether a {@code {{} is left without its closing braces once every placeholder is found. */
  public static boolean unclosed(String template) {
    return PLACEHOLDER.matcher(template).replaceAll("").contains("{{");
  }

  /** Renders a template to a JSON value. */
  public static JsonNode render(Cel cel, String template, Map<String, ?> vars) {
    if (template == null) {
      return JsonNodeFactory.instance.nullNode();
    }
    Matcher m = PLACEHOLDER.matcher(template);
    if (m.matches()) {
      return cel.evalJson(m.group(1).strip(), vars);
    }
    m.reset();
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      JsonNode value = cel.evalJson(m.group(1).strip(), vars);
      String text = value.isTextual() ? value.textValue() : value.isNull() ? "" : value.toString();
      m.appendReplacement(sb, Matcher.quoteReplacement(text));
    }
    m.appendTail(sb);
    return JsonNodeFactory.instance.textNode(sb.toString());
  }

  /** Renders a template to text (a non-string single-expression value is rendered as JSON). */
  public static String renderText(Cel cel, String template, Map<String, ?> vars) {
    JsonNode v = render(cel, template, vars);
    return v.isTextual() ? v.textValue() : v.isNull() ? "" : v.toString();
  }

  /** Renders every string inside a JSON document. */
  public static JsonNode renderDeep(Cel cel, JsonNode node, Map<String, ?> vars) {
    if (node == null) {
      return null;
    }
    if (node.isTextual()) {
      return render(cel, node.textValue(), vars);
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      node.forEach(n -> out.add(renderDeep(cel, n, vars)));
      return out;
    }
    if (node.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      node.fields().forEachRemaining(e -> out.set(e.getKey(), renderDeep(cel, e.getValue(), vars)));
      return out;
    }
    return node;
  }

  /** Every string inside a JSON document, for validation. */
  public static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    collect(node, out);
    return out;
  }

  private static void collect(JsonNode node, List<String> out) {
    if (node == null) {
      return;
    }
    if (node.isTextual()) {
      out.add(node.textValue());
    } else if (node.isContainerNode()) {
      node.forEach(n -> collect(n, out));
    }
  }
}
