package dev.steadfast.engine.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steadfast.api.Policy;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.format.YamlDocuments;
import dev.steadfast.engine.validation.ManifestValidator;
import dev.steadfast.engine.validation.Problem;
import dev.steadfast.engine.validation.SpecValidator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The operator's (and the local runner's) default Policy: a YAML file shaped like {@code
 * spec.policy}, merged field by field over the built-in defaults of docs/tasks.md. Every task's
 * policy, and every step's, is merged over the result, so a file saying only {@code retry:
 * {maxAttempts: 8}} changes only that. Its classify rules are tried after the task's own and before
 * the built-in table.
 */
public final class DefaultPolicy {
  private static final ObjectMapper MERGING = Json.MAPPER.copy().setDefaultMergeable(true);

  private DefaultPolicy() {}

  /** A file that is not a valid Policy; each problem names its field. */
  public static final class InvalidPolicyException extends Exception {
    private final transient List<Problem> problems;

    InvalidPolicyException(List<Problem> problems) {
      super(problems.stream().map(Problem::toString).reduce((a, b) -> a + "; " + b).orElse(""));
      this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
      return problems;
    }
  }

  /** Reads, checks and merges a default-policy file; an empty file means the built-in defaults. */
  public static Policy load(Path file) throws InvalidPolicyException {
    JsonNode node;
    try {
      List<JsonNode> docs = YamlDocuments.read(file);
      node = docs.isEmpty() ? null : docs.get(0);
    } catch (YamlDocuments.InvalidYamlException e) {
      throw new InvalidPolicyException(List.of(new Problem("(root)", e.getMessage())));
    }
    return parse(node);
  }

  /** Checks a Policy document as the API server checks spec.policy, then merges it. */
  public static Policy parse(JsonNode node) throws InvalidPolicyException {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return EffectivePolicy.defaults();
    }
    List<Problem> problems = ManifestValidator.forBundledPolicy().validate(node);
    if (problems.isEmpty()) {
      problems =
          new SpecValidator()
              .validatePolicy(Json.convert(node, Policy.class), "").stream()
                  .map(p -> new Problem(p.field().replaceFirst("^\\.", ""), p.message()))
                  .toList();
    }
    if (!problems.isEmpty()) {
      throw new InvalidPolicyException(problems);
    }
    try {
      return MERGING.readerForUpdating(EffectivePolicy.defaults()).readValue(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
