package dev.steadfast.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.validation.ManifestValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The chart's defaultPolicy value is checked at `helm install` time with the same schema the API
 * server applies to spec.policy: values.schema.json carries a copy, generated from the CRD.
 */
class ValuesSchemaTest {
  static final Path SCHEMA = Chart.DIR.resolve("values.schema.json");
  static final String REFRESH = "./mvnw test -Dtest=ValuesSchemaTest -Dschema.write=true";
  static final String MARK = "    \"policy\": ";

  @Test
  void defaultPolicyHasTheSchemaOfSpecPolicy() throws Exception {
    String text = Files.readString(SCHEMA);
    JsonNode expected = ManifestValidator.policyJsonSchema();
    if (Boolean.getBoolean("schema.write")) {
      // The policy definition is the schema's last entry: replace it and what follows.
      var printer =
          new DefaultPrettyPrinter()
              .withObjectIndenter(new DefaultIndenter("  ", "\n").withIndent("  "));
      String json = Json.MAPPER.writer(printer).writeValueAsString(expected);
      String indented = json.replace("\n", "\n    ");
      text = text.substring(0, text.indexOf(MARK)) + MARK + indented + "\n  }\n}\n";
      Files.writeString(SCHEMA, text);
    }
    JsonNode schema = Json.MAPPER.readTree(text);
    assertThat(schema.at("/properties/defaultPolicy/$ref").asText())
        .isEqualTo("#/definitions/policy");
    assertThat(schema.at("/definitions/policy"))
        .as("%s is stale; refresh it with `%s`", SCHEMA, REFRESH)
        .isEqualTo(expected);
  }
}
