package dev.steadfast.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steadfast.api.ListMapKeys;
import dev.steadfast.api.RequiredFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.TreeMap;

/**
 * Value checks written on the model that fabric8's generator leaves out of the schema, added so the
 * API server refuses what {@code steadfast validate} refuses (docs/security.md "Admission agrees
 * with validate"):
 *
 * <ul>
 *   <li>{@code @Pattern} and {@code @Min} on an int-or-string field: the API server applies a
 *       pattern to the string form only and a minimum to the integer form only, at no CEL cost;
 *   <li>{@code @Size} on the element type of a list of objects ({@code List<@Size(min = 1, max = 1)
 *       Fallback>}): {@code minProperties}/{@code maxProperties} of each element, which is how
 *       "exactly one field set" is said of an object whose fields CEL cannot all see;
 *   <li>{@code @RequiredFields} on a field of a model type: {@code required} on that property's
 *       schema only, at no CEL cost, where its type is required in full;
 *   <li>{@code @ListMapKeys} on a list: {@code x-kubernetes-list-type: map} and its keys, so the
 *       API server refuses two items with the same key in one pass;
 *   <li>the range of a Java {@code int}: an {@code Integer} field (or list element, or the integer
 *       form of an int-or-string) without {@code @Max} gets {@code maximum: 2147483647}. The API
 *       server stores any int64; a bigger value would be admitted and then fail to deserialize in
 *       the operator, for every reconcile of that task.
 * </ul>
 *
 * The schema is walked together with the Java classes, property by public field name.
 */
final class ValueChecks {
  private static final long INT_MAX = Integer.MAX_VALUE;

  private ValueChecks() {}

  static void apply(ObjectNode schema, Class<?> type) {
    walk(schema, type);
  }

  private static void walk(ObjectNode schema, Class<?> type) {
    JsonNode properties = schema.path("properties");
    for (Field field : type.getFields()) {
      if (Modifier.isStatic(field.getModifiers())
          || !(properties.get(field.getName()) instanceof ObjectNode property)) {
        continue;
      }
      if (field.getType() == IntOrString.class) {
        Pattern pattern = field.getAnnotation(Pattern.class);
        if (pattern != null) {
          put(property, "pattern", pattern.value());
        }
        Min min = field.getAnnotation(Min.class);
        if (min != null) {
          put(property, "minimum", min.value());
        }
        intRange(property, field.getAnnotatedType());
      } else if (field.getType() == Integer.class) {
        intRange(property, field.getAnnotatedType());
      } else if (List.class.isAssignableFrom(field.getType())
          && field.getAnnotatedType() instanceof AnnotatedParameterizedType list
          && property.get("items") instanceof ObjectNode items) {
        ListMapKeys keys = field.getAnnotation(ListMapKeys.class);
        if (keys != null) {
          put(property, "x-kubernetes-list-type", "map");
          var names = property.putArray("x-kubernetes-list-map-keys");
          for (String key : keys.value()) {
            names.add(key);
          }
          sortKeys(property);
        }
        AnnotatedType element = list.getAnnotatedActualTypeArguments()[0];
        Size size = element.getAnnotation(Size.class);
        if (element.getType() == dev.steadfast.api.Fallback.class) {
          exactlyOne(items, FALLBACK_ALTERNATIVES);
        }
        if (size != null && items.has("properties")) {
          if (size.min() > 0) {
            put(items, "minProperties", size.min());
          }
          if (size.max() < Long.MAX_VALUE) {
            put(items, "maxProperties", size.max());
          }
        }
        if (element.getType() == Integer.class) {
          intRange(items, element);
        } else if (element.getType() instanceof Class<?> c && isModel(c)) {
          walk(items, c);
        }
      } else if (isModel(field.getType())) {
        RequiredFields required = field.getAnnotation(RequiredFields.class);
        if (required != null) {
          var names = property.withArray("required");
          for (String name : required.value()) {
            names.add(name);
          }
          sortKeys(property);
        }
        walk(property, field.getType());
      }
    }
  }

  /**
   * A fallback holds one alternative plus, optionally, onFatal, so property counts cannot say
   * "exactly one" any more, and CEL cannot see the free-form {@code value}: a {@code oneOf} of
   * {@code required} lists can, without CEL cost.
   */
  private static final List<String> FALLBACK_ALTERNATIVES =
      List.of("llm", "http", "cache", "value");

  private static void exactlyOne(ObjectNode items, List<String> names) {
    var oneOf = items.putArray("oneOf");
    names.forEach(n -> oneOf.addObject().putArray("required").add(n));
    sortKeys(items);
  }

  private static void intRange(ObjectNode property, AnnotatedType type) {
    if (type.getAnnotation(Max.class) == null && !property.has("maximum")) {
      put(property, "maximum", INT_MAX);
    }
  }

  /** Sets a key keeping the generator's alphabetical order, so the CRD reads as generated. */
  private static void put(ObjectNode node, String key, String value) {
    node.put(key, value);
    sortKeys(node);
  }

  private static void put(ObjectNode node, String key, double value) {
    node.put(key, value);
    sortKeys(node);
  }

  private static void put(ObjectNode node, String key, long value) {
    node.put(key, value);
    sortKeys(node);
  }

  private static void sortKeys(ObjectNode node) {
    TreeMap<String, JsonNode> sorted = new TreeMap<>();
    node.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
    node.removeAll();
    node.setAll(sorted);
  }

  private static boolean isModel(Class<?> type) {
    return type.getPackageName().equals("dev.steadfast.api") && !type.isEnum();
  }
}
