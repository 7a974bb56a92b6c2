package dev.steadfast.engine.validation;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steadfast.api.AgentTaskSpec;
import dev.steadfast.engine.format.Json;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The spec of a manifest as the semantic checks read it, with the fields the schema found
 * unreadable (a word where a number belongs, a value outside an enum) left out: one such field
 * would otherwise stop the conversion and hide every semantic problem of the rest of the task.
 */
final class ReadableSpec {
  private static final Pattern SEGMENT = Pattern.compile("([^.\\[\\]]+)|\\[(\\d+)]");

  /** The spec, or the problem that keeps it from being read (the field Jackson stopped at). */
  record Read(AgentTaskSpec spec, Problem problem) {}

  private ReadableSpec() {}

  static Read of(JsonNode manifest, Map<String, String> unreadable) {
    JsonNode copy = manifest.deepCopy();
    unreadable.forEach((field, expected) -> remove(copy, field, expected));
    try {
      return new Read(Json.convert(copy.get("spec"), AgentTaskSpec.class), null);
    } catch (IllegalArgumentException e) {
      return new Read(null, new Problem(field(e), "cannot be read: " + reason(e)));
    }
  }

  /**
   * Takes {@code spec.steps[0].llm.api} out of the tree. An element of a list cannot be taken out
   * without renumbering the others (and their problems), so it is replaced by an empty value of the
   * type expected there: an empty step or fallback reads, and leaves the checks nothing to trip on.
   */
  private static void remove(JsonNode root, String field, String expected) {
    Matcher m = SEGMENT.matcher(field);
    JsonNode parent = null;
    JsonNode node = root;
    String key = null;
    int index = -1;
    while (m.find() && node != null) {
      parent = node;
      key = m.group(1);
      index = key == null ? Integer.parseInt(m.group(2)) : -1;
      node = key != null ? node.get(key) : node.get(index);
    }
    if (node == null) {
      return;
    }
    if (key != null && parent instanceof ObjectNode o) {
      o.remove(key);
    } else if (index >= 0 && parent instanceof ArrayNode a) {
      JsonNodeFactory nodes = JsonNodeFactory.instance;
      a.set(
          index,
          switch (expected) {
            case "object" -> nodes.objectNode();
            case "array" -> nodes.arrayNode();
            default -> NullNode.getInstance();
          });
    }
  }

  private static String field(IllegalArgumentException e) {
    StringBuilder path = new StringBuilder("spec");
    if (e.getCause() instanceof JsonMappingException jm) {
      for (JsonMappingException.Reference ref : jm.getPath()) {
        if (ref.getFieldName() != null) {
          path.append('.').append(ref.getFieldName());
        } else if (ref.getIndex() >= 0) {
          path.append('[').append(ref.getIndex()).append(']');
        }
      }
    }
    return path.toString();
  }

  private static String reason(IllegalArgumentException e) {
    String text =
        e.getCause() instanceof JsonMappingException jm ? jm.getOriginalMessage() : e.getMessage();
    return text == null ? "invalid value" : text.lines().findFirst().orElse(text);
  }
}
