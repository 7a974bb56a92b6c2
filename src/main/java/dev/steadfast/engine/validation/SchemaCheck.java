package dev.steadfast.engine.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaException;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.ValidationMessage;
import dev.steadfast.engine.llm.OutputValidator;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a user's JSON Schema ({@code outputSchema}, a tool's {@code parameters}) is one: valid
 * under the draft 2020-12 meta-schema (the dialect OutputValidator applies) and compilable, $refs
 * included. Found at validate time, it is a spec error named by its field instead of a step that
 * fails InvalidSpec at run time.
 */
final class SchemaCheck {
  private static final int MAX_PROBLEMS = 3;

  // The factory that applies outputSchema, so a schema that passes here is one the step can use.
  private final JsonSchemaFactory factory = OutputValidator.schemaFactory();

  private final JsonSchema meta =
      factory.getSchema(SchemaLocation.of("classpath:draft/2020-12/schema"));

  /** What is wrong with {@code schema} as a JSON Schema; empty when it is one. */
  List<String> problems(JsonNode schema) {
    List<String> problems = new ArrayList<>();
    if (schema == null || schema.isNull() || schema.isMissingNode()) {
      return problems;
    }
    if (!schema.isObject() && !schema.isBoolean()) {
      problems.add("is not a JSON Schema: a schema is an object (or true/false)");
      return problems;
    }
    for (ValidationMessage m : meta.validate(schema)) {
      if (problems.size() == MAX_PROBLEMS) {
        break;
      }
      problems.add("is not a valid JSON Schema: " + m.getInstanceLocation() + ": " + m.getError());
    }
    if (problems.isEmpty()) {
      try {
        factory.getSchema(schema).initializeValidators();
      } catch (JsonSchemaException | IllegalArgumentException e) {
        problems.add("is not a usable JSON Schema: " + e.getMessage());
      }
    }
    return problems;
  }
}
