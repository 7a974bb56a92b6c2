package dev.steadfast.engine.llm;

import static dev.steadfast.engine.llm.OutputValidatorTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.steadfast.engine.llm.OutputValidator.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** outputSchema validation and the repair prompt built from its problems. */
class OutputSchemaTest {

  private final OutputValidator validator = new OutputValidator();

  private static final JsonNode REVIEW =
      json(
          """
          {"type": "object",
           "required": ["score", "verdict", "details"],
           "properties": {
             "score": {"type": "integer", "minimum": 0, "maximum": 10},
             "verdict": {"enum": ["approve", "reject"]},
             "details": {"type": "object", "required": ["summary"],
                         "properties": {"summary": {"type": "string"}}}}}
          """);

  @Test
  void matchingOutputIsValid() {
    String reply = "{\"score\": 7, \"verdict\": \"approve\", \"details\": {\"summary\": \"ok\"}}";

    Result result = validator.validate(reply, true, REVIEW, false);

    assertThat(result.valid()).isTrue();
    assertThat(result.value().get("score").asInt()).isEqualTo(7);
  }

  @Test
  void schemaImpliesJsonEvenWhenTextWasRequested() {
    Result result = validator.validate("```json\n{\"n\": 1}\n```", false, json("{}"), false);

    assertThat(result.valid()).isTrue();
    assertThat(result.value()).isEqualTo(json("{\"n\": 1}"));
  }

  @Test
  void nullSchemaNodeMeansNoSchema() {
    assertThat(validator.validate("hello", false, NullNode.getInstance(), false).value().asText())
        .isEqualTo("hello");
  }

  @Test
  void typeMismatchIsReportedWithItsPath() {
    String reply =
        "{\"score\": \"high\", \"verdict\": \"approve\", \"details\": {\"summary\": \"\"}}";

    Result result = validator.validate(reply, true, REVIEW, false);

    assertThat(result.valid()).isFalse();
    assertThat(result.problems()).containsExactly("$.score: string found, integer expected");
    // The parsed value is kept so the failure can be shown to people.
    assertThat(result.value().get("score").asText()).isEqualTo("high");
  }

  @Test
  void enumAndRangeAndNestedRequiredAreAllReported() {
    String reply = "{\"score\": 11, \"verdict\": \"maybe\", \"details\": {}}";

    Result result = validator.validate(reply, true, REVIEW, false);

    assertThat(result.problems())
        .containsExactlyInAnyOrder(
            "$.score: must have a maximum value of 10",
            "$.verdict: does not have a value in the enumeration [\"approve\", \"reject\"]",
            "$.details: required property 'summary' not found");
  }

  @Test
  void missingTopLevelPropertiesAreReportedAtTheRoot() {
    Result result = validator.validate("{}", true, REVIEW, false);

    assertThat(result.problems()).contains("$: required property 'score' not found").hasSize(3);
  }

  @Test
  void arrayItemsAreReportedByIndex() {
    JsonNode schema = json("{\"type\": \"array\", \"items\": {\"type\": \"string\"}}");

    assertThat(validator.validate("[\"a\", 2]", true, schema, false).problems())
        .containsExactly("$[1]: integer found, string expected");
  }

  @Test
  void atMostTwentyProblemsAreReported() {
    JsonNode schema = json("{\"type\": \"array\", \"items\": {\"type\": \"string\"}}");
    String reply = "[" + "1,".repeat(49) + "1]";

    assertThat(validator.validate(reply, true, schema, false).problems()).hasSize(20);
  }

  @Test
  void internalRefsAndOlderDraftsWork() {
    JsonNode schema =
        json(
            """
            {"$schema": "http://json-schema.org/draft-07/schema#",
             "definitions": {"id": {"type": "integer"}},
             "properties": {"id": {"$ref": "#/definitions/id"}}}
            """);

    assertThat(validator.validate("{\"id\": \"x\"}", true, schema, false).problems())
        .containsExactly("$.id: string found, integer expected");
  }

  @Test
  void explicitDraft2020SchemaWithDefsWorks() {
    JsonNode schema =
        json(
            """
            {"$schema": "https://json-schema.org/draft/2020-12/schema",
             "$defs": {"tag": {"type": "string", "minLength": 2}},
             "type": "object",
             "properties": {"tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}}}}
            """);

    assertThat(validator.validate("{\"tags\": [\"ok\", \"x\"]}", true, schema, false).problems())
        .containsExactly("$.tags[1]: must be at least 2 characters long");
  }

  @Test
  void remoteRefsAreNotFetched() {
    JsonNode schema = json("{\"$ref\": \"http://example.invalid/schema.json\"}");

    // A spec error, not an output error: repairing the output cannot fix it.
    assertThatThrownBy(() -> validator.validate("{}", true, schema, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("outputSchema is invalid: ");
  }

  @Test
  void brokenSchemasAreSpecErrors() {
    for (String broken : new String[] {"{\"$ref\": \"#/nope\"}", "{\"pattern\": \"(\"}"}) {
      assertThatThrownBy(() -> validator.validate("\"x\"", true, json(broken), false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("outputSchema is invalid: ");
    }
  }

  @Test
  void schemaCacheIsBounded() {
    for (int i = 0; i < 300; i++) {
      validator.validate("{}", true, json("{\"maxProperties\": " + i + "}"), false);
    }

    assertThat(validator.cachedSchemas()).isEqualTo(256);
  }

  @Test
  void oneValidatorIsSafeToShareBetweenThreads() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Result>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String reply = i % 2 == 0 ? "{\"score\": \"x\"}" : "{\"score\": 1}";
        JsonNode schema = json("{\"properties\": {\"score\": {\"type\": \"integer\"}}}");
        results.add(pool.submit(() -> validator.validate(reply, true, schema, false)));
      }
      for (int i = 0; i < results.size(); i++) {
        assertThat(results.get(i).get().valid()).isEqualTo(i % 2 == 1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void repairPromptListsProblemsRepeatsSchemaAndAsksForJson() {
    List<String> problems =
        List.of(
            "$.score: string found, integer expected", "$: required property 'verdict' not found");

    String prompt = OutputValidator.repairPrompt(problems, REVIEW);

    assertThat(prompt)
        .startsWith("Your previous answer was invalid:\n")
        .contains("- $.score: string found, integer expected\n")
        .contains("- $: required property 'verdict' not found\n")
        .contains(REVIEW.toString())
        .endsWith("Respond with JSON only.");
  }

  @Test
  void repairPromptWithoutSchemaStillAsksForJson() {
    String prompt = OutputValidator.repairPrompt(List.of("output is not valid JSON: x"), null);

    assertThat(prompt).doesNotContain("Schema").endsWith("Respond with JSON only.");
  }

  @Test
  void repairPromptAfterCutOffAsksForAShorterAnswer() {
    String prompt =
        OutputValidator.repairPrompt(List.of("output was cut off (finish_reason length)"), null);

    assertThat(prompt).contains("short enough").endsWith("Respond with JSON only.");
  }

  @Test
  void repairPromptForTextOutputDoesNotAskForJson() {
    String prompt = OutputValidator.repairPrompt(List.of("output is empty"), null, false);

    assertThat(prompt).contains("- output is empty").doesNotContain("JSON");
  }
}
