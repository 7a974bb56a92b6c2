package dev.steadfast.engine.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskSpec;
import dev.steadfast.engine.Json;
import java.util.ArrayList;
import java.util.List;

/** All checks of one AgentTask manifest: identity, schema and CEL rules, then semantics. */
public final class TaskValidator {
  private static final String API_VERSION = AgentTask.GROUP + "/" + AgentTask.VERSION;

  private final ManifestValidator manifest;
  private final SpecValidator semantics = new SpecValidator();

  public TaskValidator(ManifestValidator manifest) {
    this.manifest = manifest;
  }

  public static TaskValidator bundled() {
    return Holder.INSTANCE;
  }

  public List<Problem> validate(JsonNode doc) {
    List<Problem> problems = new ArrayList<>();
    if (doc == null || !doc.isObject()) {
      problems.add(new Problem("(root)", "expected an AgentTask object"));
      return problems;
    }
    if (!API_VERSION.equals(doc.path("apiVersion").asText())) {
      problems.add(new Problem("apiVersion", "must be " + API_VERSION));
    }
    if (!"AgentTask".equals(doc.path("kind").asText())) {
      problems.add(new Problem("kind", "must be AgentTask"));
    }
    if (doc.path("metadata").path("name").asText("").isBlank()) {
      problems.add(new Problem("metadata.name", "is required"));
    }
    JsonNode forSchema = doc.deepCopy();
    if (forSchema.isObject()) {
      // metadata and status belong to the API server; the CRD schema says nothing useful of them.
      ((com.fasterxml.jackson.databind.node.ObjectNode) forSchema).remove("status");
    }
    problems.addAll(manifest.validate(forSchema));
    // The semantic checks too, when the spec can be read at all, so that one run of `validate`
    // shows every problem rather than the schema's first and the rest on the next try.
    AgentTaskSpec spec;
    try {
      spec = Json.convert(doc.get("spec"), AgentTaskSpec.class);
    } catch (IllegalArgumentException e) {
      return problems;
    }
    List<String> reported = problems.stream().map(Problem::field).toList();
    try {
      for (Problem p : semantics.validate(spec)) {
        // A field the schema already faulted, or one inside it, says the same thing again.
        if (reported.stream().noneMatch(f -> within(p.field(), f))) {
          problems.add(p);
        }
      }
    } catch (RuntimeException e) {
      // A spec the schema refused may trip the semantic checks; the schema's problems stand.
    }
    return problems;
  }

  private static boolean within(String field, String outer) {
    return field.equals(outer)
        || field.startsWith(outer + ".")
        || field.startsWith(outer + "[")
        || outer.equals("(root)");
  }

  /** Semantic checks only, for a resource the API server already admitted. */
  public List<Problem> validateSpec(AgentTaskSpec spec) {
    return semantics.validate(spec);
  }

  private static final class Holder {
    static final TaskValidator INSTANCE = new TaskValidator(ManifestValidator.fromBundledCrd());
  }
}
