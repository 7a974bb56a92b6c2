package dev.steadfast.engine.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.steadfast.engine.expr.Cel;
import dev.steadfast.engine.expr.CelValues;
import dev.steadfast.engine.expr.ExpressionException;
import dev.steadfast.engine.format.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks an AgentTask manifest the way the API server admits it: the CRD's OpenAPI schema (with
 * unknown fields rejected, as a strict client would) and its CEL rules ({@code
 * x-kubernetes-validations}), so `steadfast validate` and `steadfast run` refuse what {@code
 * kubectl apply} would refuse.
 */
public final class ManifestValidator {
  public static final String CRD_RESOURCE = "/crds/agenttasks.steadfast.dev-v1.yml";

  private final JsonNode openApiSchema;
  private final JsonSchema jsonSchema;
  private final Cel cel = new Cel("self");

  public ManifestValidator(JsonNode openApiSchema) {
    this(openApiSchema, true);
  }

  private ManifestValidator(JsonNode openApiSchema, boolean resource) {
    this.openApiSchema = openApiSchema;
    ObjectNode strict = (ObjectNode) toJsonSchema(openApiSchema.deepCopy());
    if (resource) {
      // The API server adds these to every kind; the CRD schema does not list them.
      ObjectNode props = strict.with("properties");
      props.putObject("apiVersion").put("type", "string");
      props.putObject("kind").put("type", "string");
      props.putObject("metadata").put("type", "object");
    }
    this.jsonSchema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(strict);
  }

  /** The validator for the CRD shipped in this jar. */
  public static ManifestValidator fromBundledCrd() {
    return new ManifestValidator(bundledSchema());
  }

  /**
   * The validator of a bare Policy (the shape of {@code spec.policy}), for the operator's and the
   * runner's {@code --default-policy} file; problems name fields relative to the policy.
   */
  public static ManifestValidator forBundledPolicy() {
    return new ManifestValidator(policySchema(), false);
  }

  /**
   * {@code spec.policy}'s schema as strict JSON Schema (unknown fields rejected), which the Helm
   * chart's values.schema.json carries for its {@code defaultPolicy} value.
   */
  public static JsonNode policyJsonSchema() {
    return toJsonSchema(policySchema().deepCopy());
  }

  private static JsonNode policySchema() {
    return bundledSchema().path("properties").path("spec").path("properties").path("policy");
  }

  private static JsonNode bundledSchema() {
    try (InputStream in = ManifestValidator.class.getResourceAsStream(CRD_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("CRD resource missing from the jar: " + CRD_RESOURCE);
      }
      JsonNode crd = Json.YAML.readTree(in);
      return crd.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * What the schema and the CEL rules found, and the fields whose value is of the wrong JSON type
   * or outside its enum, each with the JSON type expected there ("object", "array", "string"...):
   * those cannot be read into the model, so a semantic pass leaves them out.
   */
  public record Checked(List<Problem> problems, Map<String, String> unreadable) {}

  public List<Problem> validate(JsonNode manifest) {
    return check(manifest).problems();
  }

  public Checked check(JsonNode manifest) {
    List<Problem> problems = new ArrayList<>();
    Map<String, String> unreadable = new LinkedHashMap<>();
    for (ValidationMessage m : jsonSchema.validate(manifest)) {
      if ("oneOf".equals(m.getType())) {
        // The schema's only oneOf says "exactly one alternative" of a fallback, for the API
        // server; SpecValidator reports the same thing in words ("a fallback must set exactly
        // one of ..."), and a fallback of the wrong type already has its type problem.
        continue;
      }
      String path = fieldPath(m.getInstanceLocation().toString());
      if ("type".equals(m.getType())) {
        Object[] args = m.getArguments();
        // TypeValidator's arguments: the type found, then the type expected.
        unreadable.put(path, args != null && args.length > 1 ? String.valueOf(args[1]) : "");
      } else if ("enum".equals(m.getType())) {
        unreadable.put(path, "string");
      }
      String text = m.getMessage();
      String prefix = m.getInstanceLocation().toString() + ": ";
      if (text.startsWith(prefix)) {
        text = text.substring(prefix.length());
      }
      if (m.getProperty() != null && "required".equals(m.getType())) {
        problems.add(new Problem(join(path, m.getProperty()), "is required"));
      } else if (m.getProperty() != null && "additionalProperties".equals(m.getType())) {
        problems.add(new Problem(join(path, m.getProperty()), "unknown field"));
      } else {
        problems.add(new Problem(path, text));
      }
    }
    // The CEL rules too, as the API server evaluates them alongside the schema: a bad enum in one
    // step does not hide that another lacks its model. A rule over a value the schema already
    // faulted (a string where a list belongs) may not evaluate; that says nothing new.
    List<Problem> schemaProblems = List.copyOf(problems);
    checkRules(openApiSchema, manifest, "", schemaProblems, problems);
    problems.sort(Comparator.comparing(Problem::field));
    return new Checked(problems, unreadable);
  }

  private void checkRules(
      JsonNode schema, JsonNode value, String path, List<Problem> faulted, List<Problem> out) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return;
    }
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      String expr = rule.path("rule").asText();
      // fieldPath (".llm.model") names the field the rule is about, as the API server reports it.
      String field = path + rule.path("fieldPath").asText("");
      try {
        if (!cel.evalBoolean(expr, Map.of("self", CelValues.fromJson(value)))) {
          out.add(new Problem(field, rule.path("message").asText("failed rule: " + expr)));
        }
      } catch (ExpressionException e) {
        if (faulted.stream().noneMatch(p -> within(p.field(), path))) {
          out.add(
              new Problem(field, "rule " + expr + " could not be evaluated: " + e.getMessage()));
        }
      }
    }
    JsonNode props = schema.path("properties");
    if (value.isObject()) {
      props
          .fields()
          .forEachRemaining(
              e ->
                  checkRules(
                      e.getValue(), value.get(e.getKey()), join(path, e.getKey()), faulted, out));
      JsonNode additional = schema.path("additionalProperties");
      if (additional.isObject()) {
        value
            .fields()
            .forEachRemaining(
                e -> checkRules(additional, e.getValue(), join(path, e.getKey()), faulted, out));
      }
    } else if (value.isArray() && schema.has("items")) {
      duplicateKeys(schema, value, path, out);
      for (int i = 0; i < value.size(); i++) {
        checkRules(schema.get("items"), value.get(i), path + "[" + i + "]", faulted, out);
      }
    }
  }

  /**
   * An {@code x-kubernetes-list-type: map} list holds each key once; the API server names the
   * second item with a key already seen: {@code spec.steps[1]: Duplicate value: {"name":"fetch"}}.
   */
  private static void duplicateKeys(
      JsonNode schema, JsonNode list, String path, List<Problem> out) {
    if (!"map".equals(schema.path("x-kubernetes-list-type").asText())) {
      return;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      if (!list.get(i).isObject()) {
        continue; // the schema faults it already
      }
      ObjectNode key = Json.MAPPER.createObjectNode();
      for (JsonNode name : schema.path("x-kubernetes-list-map-keys")) {
        JsonNode v = list.get(i).get(name.asText());
        if (v != null) {
          key.set(name.asText(), v);
        }
      }
      if (!seen.add(key.toString())) {
        out.add(new Problem(path + "[" + i + "]", "Duplicate value: " + key));
      }
    }
  }

  /** Whether {@code field} is {@code outer} or a field inside it ("" is the whole manifest). */
  static boolean within(String field, String outer) {
    return outer.isEmpty()
        || outer.equals("(root)")
        || field.equals(outer)
        || field.startsWith(outer + ".")
        || field.startsWith(outer + "[");
  }

  private static String join(String path, String key) {
    return path.isEmpty() || path.equals("(root)") ? key : path + "." + key;
  }

  /** "$.spec.steps[0].name" → "spec.steps[0].name". */
  static String fieldPath(String jsonPath) {
    String p = jsonPath.startsWith("$") ? jsonPath.substring(1) : jsonPath;
    return p.startsWith(".") ? p.substring(1) : p.isEmpty() ? "(root)" : p;
  }

  /** OpenAPI v3 structural schema → JSON Schema that also rejects unknown fields. */
  private static JsonNode toJsonSchema(JsonNode node) {
    if (node.isObject()) {
      ObjectNode o = (ObjectNode) node;
      boolean preserve = o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
      boolean intOrString = o.path("x-kubernetes-int-or-string").asBoolean(false);
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        if (name.startsWith("x-kubernetes-") || name.equals("nullable")) {
          o.remove(name);
        }
      }
      if (intOrString) {
        o.remove("anyOf");
        o.putArray("type").add("integer").add("string");
      }
      if (o.has("properties") && !o.has("additionalProperties") && !preserve) {
        o.put("additionalProperties", false);
      }
      if (o.has("properties")) {
        o.get("properties").fields().forEachRemaining(e -> toJsonSchema(e.getValue()));
      }
      if (o.has("items")) {
        toJsonSchema(o.get("items"));
      }
      if (o.get("additionalProperties") instanceof ObjectNode a) {
        toJsonSchema(a);
      }
    }
    return node;
  }
}
