package dev.steadfast.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SchemaInstanceTest {
  private final SchemaInstance generator = new SchemaInstance("abcdef0123");

  @ParameterizedTest
  @ValueSource(
      strings = {
        """
        {"type":"object","properties":{"title":{"type":"string","minLength":12},
         "score":{"type":"integer","minimum":3,"maximum":9},"ok":{"type":"boolean"},
         "tags":{"type":"array","items":{"type":"string"},"minItems":2}},
         "required":["title","score","ok","tags"]}""",
        """
        {"type":"object","properties":{"level":{"type":"string","enum":["low","high"]},
         "ratio":{"type":"number","exclusiveMinimum":0,"maximum":0.5},
         "when":{"type":"string","format":"date-time"},"id":{"type":"string","format":"uuid"},
         "short":{"type":"string","maxLength":3}}}""",
        """
        {"type":"object","required":["items"],"properties":{"items":{"type":"array",
         "items":{"type":"object","required":["name","count"],
          "properties":{"name":{"type":["string","null"]},"count":{"type":"integer","maximum":-2}}}}}}""",
        """
        {"anyOf":[{"type":"null"},{"type":"object","properties":{"a":{"const":7}},"required":["a"]}]}"""
      })
  void generatedInstancesValidate(String schemaJson) throws Exception {
    JsonNode schema = SimClient.json(schemaJson);
    JsonNode instance = generator.of(schema);

    var validator =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema);
    assertThat(validator.validate(instance)).as("errors for %s", instance).isEmpty();
  }

  @Test
  void onlyRequiredPropertiesWhenSomeAreRequired() throws Exception {
    JsonNode schema =
        SimClient.json(
            """
            {"type":"object","required":["a"],
             "properties":{"a":{"type":"string"},"b":{"type":"string"}}}""");

    JsonNode instance = generator.of(schema);

    assertThat(instance.has("a")).isTrue();
    assertThat(instance.has("b")).isFalse();
  }

  @Test
  void allPropertiesWhenNoneRequired() throws Exception {
    JsonNode schema =
        SimClient.json(
            """
            {"type":"object","properties":{"n":{"type":"integer"},"b":{"type":"boolean"}}}""");

    JsonNode instance = generator.of(schema);

    assertThat(instance.get("n").asInt()).isEqualTo(1);
    assertThat(instance.get("b").asBoolean()).isTrue();
  }

  @Test
  void sameSaltSameInstance() throws Exception {
    JsonNode schema = SimClient.json("{\"type\":\"object\",\"properties\":{\"s\":{}}}");

    assertThat(new SchemaInstance("abcdef").of(schema))
        .isEqualTo(new SchemaInstance("abcdef").of(schema))
        .isNotEqualTo(new SchemaInstance("012345").of(schema));
  }
}
