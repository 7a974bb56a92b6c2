package dev.steadfast.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes docs/reference.md from the committed CRD: every field of an AgentTask with its type,
 * default and meaning. The meaning is the field's description (the same text `kubectl explain`
 * shows), so the reference says nothing the CRD does not; the default is read out of that text
 * ("Default 5.", "Truncate (default)"), because defaults are applied by the engine, not by the API
 * server, and the descriptions are where they are written down.
 */
public final class ReferenceDoc {
  static final String REFRESH = "./mvnw test -Dtest=ReferenceDocTest -Ddocs.write=true";

  /** "... Default 5.", "... Default: any age." up to the end of the sentence. */
  private static final Pattern DEFAULT = Pattern.compile("(?<=\\. )Default:? (.+?)\\.(?:\\s|$)");

  /** "Truncate (default): ..." */
  private static final Pattern DEFAULT_FIRST = Pattern.compile("(\\w+) \\(default\\)");

  private static final String DURATION_PATTERN = "ms|s|m|h";

  private final StringBuilder out = new StringBuilder();

  /** Objects already given a section, by their fields, so a type used twice is described once. */
  private final Map<JsonNode, String> described = new LinkedHashMap<>();

  private ReferenceDoc() {}

  /** The reference for the CRD in {@code crdYaml} (the committed crds/ file). */
  public static String render(String crdYaml) {
    JsonNode crd = Serialization.unmarshal(crdYaml, JsonNode.class);
    JsonNode version = crd.path("spec").path("versions").get(0);
    JsonNode root = version.path("schema").path("openAPIV3Schema").path("properties");
    ReferenceDoc doc = new ReferenceDoc();
    doc.header(crd, version);
    // spec first, then status; each breadth first, so a type shared by spec.policy and a step is
    // described where it is declared first (spec.policy) and the step's copy links there.
    for (String part : List.of("spec", "status")) {
      List<Section> queue = new ArrayList<>();
      queue.add(new Section(part, root.path(part)));
      for (int i = 0; i < queue.size(); i++) {
        doc.section(queue.get(i), queue);
      }
    }
    return doc.out.toString();
  }

  private record Section(String path, JsonNode schema) {}

  private void header(JsonNode crd, JsonNode version) {
    JsonNode names = crd.path("spec").path("names");
    out.append("# AgentTask reference\n\n")
        .append("<!-- Generated from crds/agenttasks.steadfast.dev-v1.yml by `")
        .append(REFRESH)
        .append("`; do not edit. -->\n\n")
        .append("`apiVersion: ")
        .append(crd.path("spec").path("group").asText())
        .append('/')
        .append(version.path("name").asText())
        .append("`, `kind: ")
        .append(names.path("kind").asText())
        .append("`, namespaced; plural `")
        .append(names.path("plural").asText())
        .append("`, short name `")
        .append(names.path("shortNames").path(0).asText())
        .append("`. `kubectl explain agenttask.spec` shows the same descriptions.\n\n")
        .append(
            "Each object below is a table of its fields. **Type**: `duration` is a string such as"
                + " `500ms`, `30s`, `5m`, `2h` (units can be combined: `1m30s`); `any` is any JSON"
                + " value. **Default** is what applies when the field is left out: the engine"
                + " fills it in (the API server does not), and a step's policy fields fall back to"
                + " `spec.policy`, then to the operator's `--default-policy`, then to the default"
                + " shown. Templates (`{{ expr }}`) and expressions are described in"
                + " [tasks.md](tasks.md).\n\n")
        .append("Printer columns (`kubectl get agt`):");
    for (JsonNode c : version.path("additionalPrinterColumns")) {
      out.append(" `").append(c.path("name").asText()).append('`');
      if (c.path("priority").asInt(0) > 0) {
        out.append(" (with `-o wide`)");
      }
    }
    out.append(".\n");
  }

  private void section(Section s, List<Section> queue) {
    JsonNode props = s.schema().path("properties");
    described.putIfAbsent(props, s.path());
    out.append("\n## `").append(s.path()).append("`\n\n");
    String description = s.schema().path("description").asText("");
    if (!description.isEmpty()) {
      out.append(escape(description)).append("\n\n");
    }
    rules(s.schema());
    out.append("| field | type | default | meaning |\n|---|---|---|---|\n");
    Set<String> required = new HashSet<>();
    s.schema().path("required").forEach(r -> required.add(r.asText()));
    props
        .fields()
        .forEachRemaining(
            f -> {
              String name = f.getKey();
              JsonNode field = f.getValue();
              String path = s.path() + "." + name;
              JsonNode object = objectOf(field);
              String type = type(field);
              if (object != null) {
                String seen = described.get(object.path("properties"));
                if (seen == null) {
                  String childPath = field.has("items") ? path + "[]" : path;
                  described.put(object.path("properties"), childPath);
                  queue.add(new Section(childPath, withDescription(object, field)));
                  type = type.replace("object", link(childPath));
                } else {
                  type = type.replace("object", link(seen));
                }
              }
              out.append("| `")
                  .append(name)
                  .append("` | ")
                  .append(type)
                  .append(" | ")
                  .append(required.contains(name) ? "required" : defaultOf(field))
                  .append(" | ")
                  .append(escape(field.path("description").asText("")))
                  .append(" |\n");
            });
  }

  /** CEL rules of the object itself: what the API server refuses beyond the field types. */
  private void rules(JsonNode schema) {
    List<String> messages = new ArrayList<>();
    for (JsonNode v : schema.path("x-kubernetes-validations")) {
      String field = v.path("fieldPath").asText("");
      messages.add(
          (field.isEmpty() ? "" : "`" + field.substring(1) + "`: ") + v.path("message").asText());
    }
    if (!messages.isEmpty()) {
      out.append("The API server also checks: ").append(escape(String.join("; ", messages)));
      out.append(".\n\n");
    }
  }

  /** An item schema has no description of its own: the list's describes it. */
  private static JsonNode withDescription(JsonNode object, JsonNode field) {
    if (object.has("description") || !field.has("description")) {
      return object;
    }
    ObjectNode copy = (ObjectNode) object.deepCopy();
    copy.set("description", field.path("description"));
    return copy;
  }

  /** The object schema a field holds, directly or as list items, or null. */
  private static JsonNode objectOf(JsonNode field) {
    if (field.has("properties")) {
      return field;
    }
    JsonNode items = field.path("items");
    return items.has("properties") ? items : null;
  }

  /** GitHub's anchor for a heading: lower case, punctuation dropped. */
  static String anchor(String heading) {
    return heading.replaceAll("[^a-zA-Z0-9 -]", "").toLowerCase().replace(' ', '-');
  }

  private static String link(String path) {
    return "[object](#" + anchor(path) + ")";
  }

  static String type(JsonNode field) {
    String t;
    if (field.path("x-kubernetes-int-or-string").asBoolean()) {
      t = "int or string";
    } else if (field.path("x-kubernetes-preserve-unknown-fields").asBoolean()
        && !field.has("type")) {
      t = "any";
    } else if (field.path("pattern").asText().contains(DURATION_PATTERN)) {
      t = "duration";
    } else {
      t = field.path("type").asText("any");
    }
    if (t.equals("array")) {
      t = "list of " + type(field.path("items"));
    } else if (t.equals("object") && field.path("additionalProperties").isObject()) {
      t = "map of " + type(field.path("additionalProperties"));
    }
    List<String> limits = new ArrayList<>();
    JsonNode values = field.path("enum");
    if (values.isArray() && !values.isEmpty()) {
      List<String> v = new ArrayList<>();
      values.forEach(e -> v.add("`" + e.asText() + "`"));
      limits.add("one of " + String.join(", ", v));
    }
    range(field, "minimum", "maximum", "", limits);
    range(field, "minItems", "maxItems", " items", limits);
    range(field, "minLength", "maxLength", " characters", limits);
    return limits.isEmpty() ? t : t + " (" + String.join("; ", limits) + ")";
  }

  private static void range(JsonNode f, String min, String max, String unit, List<String> out) {
    boolean hasMin = f.has(min);
    // A maximum of Integer.MAX_VALUE only says "an int": no limit worth reading.
    boolean hasMax = f.has(max) && f.path(max).asLong() != Integer.MAX_VALUE;
    if (hasMin && hasMax) {
      out.add(f.path(min).asText() + ".." + f.path(max).asText() + unit);
    } else if (hasMax) {
      out.add("at most " + f.path(max).asText() + unit);
    } else if (hasMin && f.path(min).asLong() > 0) {
      out.add("at least " + f.path(min).asText() + unit);
    }
  }

  static String defaultOf(JsonNode field) {
    String description = field.path("description").asText("");
    Matcher m = DEFAULT.matcher(description);
    if (m.find()) {
      // "Default 100, at most 100000": the limit is in the type column already.
      String value = m.group(1);
      return escape(value.matches("\\d+, .*") ? value.substring(0, value.indexOf(',')) : value);
    }
    Matcher first = DEFAULT_FIRST.matcher(description);
    if (first.find()) {
      return "`" + first.group(1) + "`";
    }
    // A flag left out is off: "When true, ..." describes the other case.
    return field.path("type").asText().equals("boolean") ? "false" : "—";
  }

  /** Table cells: a `|` would end the cell, a newline the row. */
  static String escape(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }

  /** Anchors this document links to, for the test that every one exists. */
  static Set<String> anchorsLinked(String markdown) {
    Set<String> linked = new HashSet<>();
    Matcher m = Pattern.compile("\\]\\(#([^)]+)\\)").matcher(markdown);
    while (m.find()) {
      linked.add(m.group(1));
    }
    return linked;
  }
}
