package dev.steadfast.engine.expr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.primitives.UnsignedLong;
import com.google.protobuf.ByteString;
import dev.cel.common.values.NullValue;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts between JSON and the Java values CEL evaluates over (Long, Double, String, List, Map).
 */
public final class CelValues {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private CelValues() {}

  public static Object fromJson(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return NullValue.NULL_VALUE;
    }
    if (node.isTextual()) {
      return node.textValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>(node.size());
      node.forEach(n -> list.add(fromJson(n)));
      return list;
    }
    Map<String, Object> map = new LinkedHashMap<>();
    node.fields().forEachRemaining(e -> map.put(e.getKey(), fromJson(e.getValue())));
    return map;
  }

  public static JsonNode toJson(Object value) {
    if (value == null
        || value instanceof NullValue
        || value instanceof com.google.protobuf.NullValue) {
      return F.nullNode();
    }
    if (value instanceof JsonNode n) {
      return n;
    }
    if (value instanceof String s) {
      return F.textNode(s);
    }
    if (value instanceof Boolean b) {
      return F.booleanNode(b);
    }
    if (value instanceof Long l) {
      return F.numberNode(l);
    }
    if (value instanceof Integer i) {
      return F.numberNode(i.longValue());
    }
    if (value instanceof UnsignedLong u) {
      return F.numberNode(u.bigIntegerValue());
    }
    if (value instanceof Double d) {
      return d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15
          ? F.numberNode(d.longValue())
          : F.numberNode(d);
    }
    if (value instanceof ByteString bytes) {
      return F.textNode(Base64.getEncoder().encodeToString(bytes.toByteArray()));
    }
    if (value instanceof Iterable<?> it) {
      ArrayNode array = F.arrayNode();
      it.forEach(v -> array.add(toJson(v)));
      return array;
    }
    if (value instanceof Map<?, ?> map) {
      ObjectNode object = F.objectNode();
      map.forEach((k, v) -> object.set(String.valueOf(k), toJson(v)));
      return object;
    }
    return F.textNode(String.valueOf(value));
  }

  static String typeName(Object value) {
    JsonNode json = toJson(value);
    return switch (json.getNodeType()) {
      case STRING -> "string";
      case NUMBER -> "number";
      case BOOLEAN -> "bool";
      case ARRAY -> "list";
      case OBJECT -> "map";
      default -> "null";
    };
  }
}
