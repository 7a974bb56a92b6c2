package dev.steadfast.engine.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.engine.llm.OutputValidator.Result;
import org.junit.jupiter.api.Test;

class OutputValidatorTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final OutputValidator validator = new OutputValidator();

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

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
  void textOutputIsReturnedAsTextVerbatim() {
    Result result = validator.validate("  Paris is the capital.\n", false, null, false);

    assertThat(result.valid()).isTrue();
    assertThat(result.value()).isEqualTo(TextNode.valueOf("  Paris is the capital.\n"));
    assertThat(result.problems()).isEmpty();
  }

  @Test
  void textThatLooksLikeJsonStaysTextWhenJsonWasNotRequested() {
    Result result = validator.validate("{\"a\": 1}", false, null, false);

    assertThat(result.value().isTextual()).isTrue();
  }

  @Test
  void cutOffOutputIsInvalidEvenWhenItParses() {
    Result result = validator.validate("{\"a\": 1}", true, null, true);

    assertThat(result.valid()).isFalse();
    assertThat(result.problems()).containsExactly("output was cut off (finish_reason length)");
  }

  @Test
  void cutOffWinsOverEmptyBecauseItTellsTheUserToRaiseMaxTokens() {
    assertThat(validator.validate("", false, null, true).problems())
        .containsExactly("output was cut off (finish_reason length)");
  }

  @Test
  void emptyAndBlankOutputIsInvalidInEveryMode() {
    for (String empty : new String[] {null, "", "  \n\t "}) {
      assertThat(validator.validate(empty, false, null, false).problems())
          .containsExactly("output is empty");
      assertThat(validator.validate(empty, true, REVIEW, false).problems())
          .containsExactly("output is empty");
    }
  }

  @Test
  void bareJsonIsParsed() {
    Result result = validator.validate(" {\"a\": [1, 2]} ", true, null, false);

    assertThat(result.valid()).isTrue();
    assertThat(result.value()).isEqualTo(json("{\"a\": [1, 2]}"));
  }

  @Test
  void anyJsonValueIsAcceptedWithoutASchema() {
    assertThat(validator.validate("42", true, null, false).value()).isEqualTo(json("42"));
    assertThat(validator.validate("\"yes\"", true, null, false).value().asText()).isEqualTo("yes");
    assertThat(validator.validate("[1,2]", true, null, false).value()).isEqualTo(json("[1,2]"));
  }

  @Test
  void markdownFenceIsStripped() {
    String reply = "```json\n{\"score\": 7}\n```";

    assertThat(validator.validate(reply, true, null, false).value())
        .isEqualTo(json("{\"score\": 7}"));
  }

  @Test
  void fenceWithoutLanguageOrWithoutClosingIsStripped() {
    assertThat(validator.validate("```\n[1]\n```", true, null, false).value())
        .isEqualTo(json("[1]"));
    assertThat(validator.validate("```json\n{\"a\": true}\n", true, null, false).value())
        .isEqualTo(json("{\"a\": true}"));
  }

  @Test
  void fenceInsideProseIsFound() {
    String reply = "Sure! Here it is:\n```json\n{\"score\": 7}\n```\nAnything else?";

    assertThat(validator.validate(reply, true, null, false).value())
        .isEqualTo(json("{\"score\": 7}"));
  }

  @Test
  void firstBalancedObjectIsTakenFromProse() {
    String reply = "The result is {\"a\": {\"b\": \"}\"}} and {\"c\": 2} is another.";

    assertThat(validator.validate(reply, true, null, false).value())
        .isEqualTo(json("{\"a\": {\"b\": \"}\"}}"));
  }

  @Test
  void arrayIsTakenFromProseAndStrayBracketsAreSkipped() {
    String reply = "As noted in [Smith 2020], the items are: [{\"id\": 1}, {\"id\": 2}]. Done.";

    assertThat(validator.validate(reply, true, null, false).value())
        .isEqualTo(json("[{\"id\": 1}, {\"id\": 2}]"));
  }

  @Test
  void theFirstBalancedValueWinsEvenIfALaterOneIsBigger() {
    // Documented limit of the leniency: a bracketed citation that happens to be JSON is taken;
    // an outputSchema then rejects it and the repair prompt asks again.
    String reply = "See [1]. Result: {\"id\": 1}";

    assertThat(validator.validate(reply, true, null, false).value()).isEqualTo(json("[1]"));
  }

  @Test
  void trailingProseAfterJsonIsIgnored() {
    assertThat(validator.validate("{\"a\": 1}\nHope this helps!", true, null, false).value())
        .isEqualTo(json("{\"a\": 1}"));
  }

  @Test
  void proseIsInvalidWithTheParsersMessage() {
    Result result = validator.validate("I cannot answer that.", true, null, false);

    assertThat(result.valid()).isFalse();
    assertThat(result.value()).isNull();
    assertThat(result.problems()).hasSize(1);
    assertThat(result.problems().get(0))
        .startsWith("output is not valid JSON: Unrecognized token 'I'")
        .contains("line 1");
  }

  @Test
  void brokenJsonReportsTheErrorInsideTheJsonNotTheProse() {
    Result result = validator.validate("Here: {\"a\": 1,, \"b\": 2}", true, null, false);

    assertThat(result.problems().get(0))
        .startsWith("output is not valid JSON: ")
        .contains("was expecting double-quote to start field name");
  }

  @Test
  void brokenJsonInAFenceReportsTheFenceError() {
    Result result = validator.validate("```json\n{\"a\": }\n```", true, null, false);

    assertThat(result.problems().get(0)).contains("Unexpected character ('}'");
  }

  @Test
  void scalarFollowedByProseIsNotJson() {
    // Trailing tokens fail strict parsing, so "42 apples" is not silently read as 42.
    assertThat(validator.validate("42 apples", true, null, false).valid()).isFalse();
  }

  @Test
  void unbalancedJsonIsInvalidEvenWhenTheProviderDidNotSayCutOff() {
    Result result = validator.validate("Result: {\"items\": [1, 2", true, null, false);

    assertThat(result.valid()).isFalse();
    assertThat(result.problems().get(0)).startsWith("output is not valid JSON: ");
  }

  @Test
  void emptyFenceIsNotJson() {
    assertThat(validator.validate("```json\n```", true, null, false).valid()).isFalse();
  }

  @Test
  void problemsNeverQuoteMoreThan200CharsOfTheContent() {
    String token = "x".repeat(5000);
    Result result = validator.validate(token, true, null, false);

    assertThat(result.problems()).singleElement().satisfies(p -> assertThat(p).hasSize(200));
  }
}
