package dev.steadfast.engine.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

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
    ManifestValidator.Checked checked = manifest.check(forSchema);
    problems.addAll(checked.problems());
    // The semantic checks too, so that one run of `validate` shows every problem rather than the
    // schema's first and the rest on the next try. A field the schema could not read is left out
    // of what they see, so a bad enum in one step does not hide another step's unknown reference.
    ReadableSpec.Read read = ReadableSpec.of(doc, checked.unreadable());
    if (read.spec() == null) {
      if (problems.stream().noneMatch(p -> within(read.problem().field(), p.field()))) {
        problems.add(read.problem());
      }
      return problems;
    }
    List<Problem> schema = List.copyOf(problems);
    try {
      for (Problem p : semantics.validate(read.spec())) {
        if (!repeats(p, schema, checked.unreadable().keySet())) {
          problems.add(p);
        }
      }
    } catch (RuntimeException e) {
      // A spec the schema refused may trip the semantic checks; the schema's problems stand.
    }
    return problems;
  }

  /**
   * Whether the schema already said it: the same field faulted, the same message on the field or
   * one around it (a CEL rule and its semantic twin), or a field inside one left out as unreadable.
   */
  private static boolean repeats(Problem p, List<Problem> schema, Set<String> unreadable) {
    return schema.stream()
            .anyMatch(
                s ->
                    s.field().equals(p.field())
                        || (s.message().equals(p.message()) && within(p.field(), s.field())))
        || unreadable.stream().anyMatch(f -> within(p.field(), f));
  }

  private static boolean within(String field, String outer) {
    return ManifestValidator.within(field, outer);
  }

  /** Semantic checks only, for a resource the API server already admitted. */
  public List<Problem> validateSpec(AgentTaskSpec spec) {
    return semantics.validate(spec);
  }

  private static final class Holder {
    static final TaskValidator INSTANCE = new TaskValidator(ManifestValidator.fromBundledCrd());
  }
}
