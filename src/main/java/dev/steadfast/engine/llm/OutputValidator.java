package dev.steadfast.engine.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaException;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.AllowSchemaLoader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides whether an LLM reply is usable output for a step (docs/errors.md, reason {@code
 * InvalidOutput}): not cut off, not empty, JSON when {@code responseFormat: json} or an {@code
 * outputSchema} asks for it, and valid against that schema. Thread-safe; one instance is meant to
 * be shared by all executors so compiled schemas are reused.
 */
public final class OutputValidator {

  static final String CUT_OFF = "output was cut off (finish_reason length)";
  static final String EMPTY = "output is empty";
  static final int MAX_PROBLEMS = 20;
  // Problems land in status messages, events and the repair prompt; capping each problem also
  // guarantees that no more than this much of the model's text leaks into them.
  static final int MAX_PROBLEM_CHARS = 200;
  private static final int MAX_CACHED_SCHEMAS = 256;

  /**
   * The outcome of one validation.
   *
   * @param value a TextNode for text output, the parsed JSON for json output (also when it fails
   *     the schema, so it can be shown); null when no value could be read
   * @param problems why the output is unusable; empty when it is valid
   */
  public record Result(JsonNode value, List<String> problems) {
    public Result {
      problems = List.copyOf(problems);
    }

    public boolean valid() {
      return problems.isEmpty();
    }

    static Result invalid(JsonNode value, String problem) {
      return new Result(value, List.of(cap(problem)));
    }
  }

  private final JsonSchemaFactory factory = schemaFactory();

  // Access-ordered, so the least recently used schema is evicted first.
  private final Map<String, JsonSchema> schemas =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, JsonSchema> eldest) {
          return size() > MAX_CACHED_SCHEMAS;
        }
      };

  public OutputValidator() {}

  /**
   * The draft 2020-12 schema factory for a user's schemas, here and where the spec is validated. A
   * schema comes from the user's AgentTask; resolving a remote $ref would let any task make the
   * operator fetch arbitrary URLs. Only the bundled meta-schemas (classpath) may be loaded.
   */
  public static JsonSchemaFactory schemaFactory() {
    return JsonSchemaFactory.getInstance(
        SpecVersion.VersionFlag.V202012,
        builder ->
            builder.schemaLoaders(
                loaders ->
                    loaders.add(
                        new AllowSchemaLoader(iri -> iri.toString().startsWith("classpath:")))));
  }

  /**
   * Validates one reply.
   *
   * @param content the reply text as the model sent it
   * @param jsonRequested {@code responseFormat: json}; a schema implies it
   * @param outputSchema the step's {@code outputSchema}, or null
   * @param cutOff the provider stopped at the token limit ({@code finish_reason: length}, Anthropic
   *     {@code stop_reason: max_tokens})
   * @throws IllegalArgumentException when the schema itself cannot be used (for example a remote
   *     $ref): that is a spec error, which no repair of the output can fix
   */
  public Result validate(
      String content, boolean jsonRequested, JsonNode outputSchema, boolean cutOff) {
    // Checked first: a truncated reply is also often empty or unparseable, but "cut off" is the
    // problem that tells the user to raise maxTokens.
    if (cutOff) {
      return Result.invalid(null, CUT_OFF);
    }
    if (content == null || content.isBlank()) {
      return Result.invalid(null, EMPTY);
    }
    boolean hasSchema = present(outputSchema);
    if (!jsonRequested && !hasSchema) {
      return new Result(TextNode.valueOf(content), List.of());
    }
    LenientJson.Parsed parsed = LenientJson.parse(content);
    if (parsed.value() == null) {
      return Result.invalid(null, "output is not valid JSON: " + parsed.error());
    }
    if (!hasSchema) {
      return new Result(parsed.value(), List.of());
    }
    return new Result(parsed.value(), schemaProblems(outputSchema, parsed.value()));
  }

  /**
   * What is wrong with a value under a JSON Schema (an agent tool's {@code parameters}, say); empty
   * when it is valid.
   *
   * @throws IllegalArgumentException when the schema itself cannot be used
   */
  public List<String> problems(JsonNode schema, JsonNode value) {
    return present(schema) ? schemaProblems(schema, value) : List.of();
  }

  private List<String> schemaProblems(JsonNode schema, JsonNode value) {
    try {
      List<String> problems = new ArrayList<>();
      for (ValidationMessage message : compiled(schema).validate(value)) {
        if (problems.size() == MAX_PROBLEMS) {
          break;
        }
        problems.add(cap(message.getInstanceLocation() + ": " + message.getError()));
      }
      return problems;
    } catch (JsonSchemaException e) {
      throw new IllegalArgumentException("outputSchema is invalid: " + e.getMessage(), e);
    }
  }

  private JsonSchema compiled(JsonNode schema) {
    String key = schema.toString();
    synchronized (schemas) {
      JsonSchema cached = schemas.get(key);
      if (cached != null) {
        return cached;
      }
    }
    // Compiled outside the lock so one slow schema does not stall every other step; two threads
    // compiling the same schema at once is harmless.
    JsonSchema fresh = factory.getSchema(schema);
    // Resolves every $ref now, so a bad reference fails here and the schema is safe to share.
    fresh.initializeValidators();
    synchronized (schemas) {
      schemas.put(key, fresh);
    }
    return fresh;
  }

  int cachedSchemas() {
    synchronized (schemas) {
      return schemas.size();
    }
  }

  /** {@link #repairPrompt(List, JsonNode, boolean)} for JSON output. */
  public static String repairPrompt(List<String> problems, JsonNode schema) {
    return repairPrompt(problems, schema, true);
  }

  /**
   * The user message appended when asking the model again after invalid output: what was wrong, the
   * schema again (models drift from it over a long conversation), and what to answer with.
   */
  public static String repairPrompt(List<String> problems, JsonNode schema, boolean json) {
    StringBuilder prompt = new StringBuilder("Your previous answer was invalid:\n");
    for (String problem : problems) {
      prompt.append("- ").append(problem).append('\n');
    }
    if (present(schema)) {
      prompt
          .append("The answer must be JSON that validates against this JSON Schema:\n")
          .append(schema)
          .append('\n');
    }
    if (problems.contains(CUT_OFF)) {
      prompt.append("Keep the answer short enough to finish within the token limit.\n");
    }
    prompt.append(
        json || present(schema)
            ? "Respond with JSON only."
            : "Respond again with the complete answer only.");
    return prompt.toString();
  }

  private static boolean present(JsonNode schema) {
    return schema != null && !schema.isNull() && !schema.isMissingNode();
  }

  static String cap(String problem) {
    if (problem.length() <= MAX_PROBLEM_CHARS) {
      return problem;
    }
    int end = MAX_PROBLEM_CHARS - 1;
    // Never split a surrogate pair: half an emoji is not valid text in JSON or YAML.
    if (Character.isHighSurrogate(problem.charAt(end - 1))) {
      end--;
    }
    return problem.substring(0, end) + "…";
  }
}
