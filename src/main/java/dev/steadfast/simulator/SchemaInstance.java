package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Builds a small instance that validates against a JSON Schema, so schema-checked outputs pass
 * unless a fault says otherwise. It covers the keywords LLM output schemas use; {@code $ref},
 * {@code pattern} and {@code multipleOf} are not honoured.
 */
final class SchemaInstance {
  // Deep or recursive schemas end in empty containers instead of unbounded output.
  private static final int MAX_DEPTH = 10;

  private final String salt;

  /** {@code salt} (a request digest) makes strings differ between requests, never within one. */
  SchemaInstance(String salt) {
    this.salt = salt.length() > 4 ? salt.substring(0, 4) : salt;
  }

  JsonNode of(JsonNode schema) {
    return value(schema, "value", 0);
  }

  private JsonNode value(JsonNode schema, String name, int depth) {
    if (schema == null || !schema.isObject()) {
      return TextNode.valueOf(word(name)); // `true` or a missing schema accepts anything
    }
    if (schema.has("const")) {
      return schema.get("const").deepCopy();
    }
    JsonNode choices = schema.get("enum");
    if (choices != null && choices.isArray() && !choices.isEmpty()) {
      return choices.get(0).deepCopy();
    }
    for (String combinator : List.of("anyOf", "oneOf", "allOf")) {
      JsonNode options = schema.get(combinator);
      if (options != null && options.isArray() && !options.isEmpty()) {
        return value(firstNotNull(options), name, depth);
      }
    }
    return switch (type(schema)) {
      case "object" -> object(schema, depth);
      case "array" -> array(schema, name, depth);
      case "integer" -> number(schema, true);
      case "number" -> number(schema, false);
      case "boolean" -> BooleanNode.TRUE;
      case "null" -> NullNode.getInstance();
      default -> string(schema, name);
    };
  }

  private static JsonNode firstNotNull(JsonNode options) {
    for (JsonNode option : options) {
      if (!"null".equals(Json.text(option, "type", ""))) {
        return option;
      }
    }
    return options.get(0);
  }

  private static String type(JsonNode schema) {
    JsonNode type = schema.get("type");
    if (type != null && type.isTextual()) {
      return type.asText();
    }
    if (type != null && type.isArray()) {
      for (JsonNode t : type) {
        if (!"null".equals(t.asText())) {
          return t.asText();
        }
      }
      return "null";
    }
    if (schema.has("properties") || schema.has("required")) {
      return "object";
    }
    return schema.has("items") ? "array" : "string";
  }

  private ObjectNode object(JsonNode schema, int depth) {
    ObjectNode result = Json.object();
    if (depth >= MAX_DEPTH) {
      return result;
    }
    JsonNode properties = schema.path("properties");
    List<String> names = new ArrayList<>();
    schema.path("required").forEach(n -> names.add(n.asText()));
    if (names.isEmpty()) {
      properties.fieldNames().forEachRemaining(names::add);
    }
    for (String name : names) {
      result.set(name, value(properties.get(name), name, depth + 1));
    }
    return result;
  }

  private ArrayNode array(JsonNode schema, String name, int depth) {
    ArrayNode result = Json.MAPPER.createArrayNode();
    if (depth >= MAX_DEPTH) {
      return result;
    }
    int count = Math.max(1, schema.path("minItems").asInt(1));
    if (schema.has("maxItems")) {
      count = Math.min(count, schema.get("maxItems").asInt());
    }
    JsonNode items = schema.has("prefixItems") ? schema.get("prefixItems") : schema.get("items");
    for (int i = 0; i < count; i++) {
      JsonNode itemSchema = items != null && items.isArray() ? items.path(i) : items;
      if (itemSchema != null && itemSchema.isMissingNode()) {
        itemSchema = null;
      }
      result.add(value(itemSchema, name + "-" + (i + 1), depth + 1));
    }
    return result;
  }

  private static JsonNode number(JsonNode schema, boolean integer) {
    double low = Double.NEGATIVE_INFINITY;
    double high = Double.POSITIVE_INFINITY;
    double step = integer ? 1 : 0.5;
    if (schema.has("minimum")) {
      low = schema.get("minimum").asDouble();
      // draft-04 spells an exclusive bound as a boolean next to minimum
      if (schema.path("exclusiveMinimum").asBoolean(false)) {
        low += step;
      }
    }
    if (schema.path("exclusiveMinimum").isNumber()) {
      low = Math.max(low, schema.get("exclusiveMinimum").asDouble() + step);
    }
    if (schema.has("maximum")) {
      high = schema.get("maximum").asDouble();
      if (schema.path("exclusiveMaximum").asBoolean(false)) {
        high -= step;
      }
    }
    if (schema.path("exclusiveMaximum").isNumber()) {
      high = Math.min(high, schema.get("exclusiveMaximum").asDouble() - step);
    }
    double value = Double.isInfinite(low) ? 1 : low;
    if (value > high) {
      value = Double.isInfinite(low) ? high : (low + high) / 2;
    }
    if (integer) {
      value = Math.ceil(value);
    }
    return value == Math.rint(value) ? LongNode.valueOf((long) value) : DoubleNode.valueOf(value);
  }

  private JsonNode string(JsonNode schema, String name) {
    String format = Json.text(schema, "format", "");
    String formatted =
        switch (format) {
          case "date-time" -> "2024-01-01T00:00:00Z";
          case "date" -> "2024-01-01";
          case "time" -> "00:00:00Z";
          case "email" -> "sim@example.com";
          case "uri", "url", "iri" -> "https://example.com/" + salt;
          case "hostname" -> "example.com";
          case "ipv4" -> "127.0.0.1";
          case "ipv6" -> "::1";
          case "uuid" ->
              UUID.nameUUIDFromBytes((salt + name).getBytes(StandardCharsets.UTF_8)).toString();
          default -> null;
        };
    if (formatted != null) {
      return TextNode.valueOf(formatted);
    }
    StringBuilder text = new StringBuilder(word(name));
    int min = schema.path("minLength").asInt(0);
    while (text.length() < min) {
      text.append('x');
    }
    if (schema.has("maxLength")) {
      text.setLength(Math.min(text.length(), Math.max(min, schema.get("maxLength").asInt())));
    }
    return TextNode.valueOf(text.toString());
  }

  private String word(String name) {
    return name + "-" + salt;
  }
}
