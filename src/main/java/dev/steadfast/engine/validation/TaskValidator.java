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
    if (problems.isEmpty()) {
      problems.addAll(semantics.validate(Json.convert(doc.get("spec"), AgentTaskSpec.class)));
    }
    return problems;
  }

  /** Semantic checks only, for a resource the API server already admitted. */
  public List<Problem> validateSpec(AgentTaskSpec spec) {
    return semantics.validate(spec);
  }

  private static final class Holder {
    static final TaskValidator INSTANCE = new TaskValidator(ManifestValidator.fromBundledCrd());
  }
}
