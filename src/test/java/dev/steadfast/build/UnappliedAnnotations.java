package dev.steadfast.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;

/**
 * Value checks written on the model that fabric8's generator leaves out of the schema, added so the
 * API server refuses what {@code steadfast validate} refuses (SPEC §6 "Admission agrees with
 * validate"):
 *
 * <ul>
 *   <li>{@code @Pattern} and {@code @Min} on an int-or-string field: the API server applies a
 *       pattern to the string form only and a minimum to the integer form only, at no CEL cost;
 *   <li>{@code @Size} on the element type of a list of objects ({@code List<@Size(min = 1, max = 1)
 *       Fallback>}): {@code minProperties}/{@code maxProperties} of each element, which is how
 *       "exactly one field set" is said of an object whose fields CEL cannot all see.
 * </ul>
 *
 * The schema is walked together with the Java classes, property by public field name.
 */
final class UnappliedAnnotations {
  private UnappliedAnnotations() {}

  static void apply(ObjectNode schema, Class<?> type) {
    JsonNode properties = schema.path("properties");
    for (Field field : type.getFields()) {
      if (Modifier.isStatic(field.getModifiers())
          || !(properties.get(field.getName()) instanceof ObjectNode property)) {
        continue;
      }
      if (field.getType() == IntOrString.class) {
        Pattern pattern = field.getAnnotation(Pattern.class);
        if (pattern != null) {
          property.put("pattern", pattern.value());
        }
        Min min = field.getAnnotation(Min.class);
        if (min != null) {
          property.put("minimum", min.value());
        }
      } else if (List.class.isAssignableFrom(field.getType())
          && field.getAnnotatedType() instanceof AnnotatedParameterizedType list
          && property.get("items") instanceof ObjectNode items) {
        AnnotatedType element = list.getAnnotatedActualTypeArguments()[0];
        Size size = element.getAnnotation(Size.class);
        if (size != null && items.has("properties")) {
          if (size.min() > 0) {
            items.put("minProperties", size.min());
          }
          if (size.max() < Long.MAX_VALUE) {
            items.put("maxProperties", size.max());
          }
        }
        if (element.getType() instanceof Class<?> c && isModel(c)) {
          apply(items, c);
        }
      } else if (isModel(field.getType())) {
        apply(property, field.getType());
      }
    }
  }

  private static boolean isModel(Class<?> type) {
    return type.getPackageName().equals("dev.steadfast.api") && !type.isEnum();
  }
}
