package dev.steadfast.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.validation.ManifestValidator;
import dev.steadfast.engine.validation.TaskValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every example loads into the model and passes the generated schema and the semantic checks. */
class ExamplesTest {
  static Stream<Path> examples() throws IOException {
    List<Path> files =
        Files.list(Path.of("examples"))
            .filter(p -> p.toString().endsWith(".yaml"))
            .sorted()
            .toList();
    assertThat(files.stream().map(p -> p.getFileName().toString()))
        .contains(
            "quickstart.yaml",
            "fetch-and-summarize.yaml",
            "batch-foreach.yaml",
            "agent-tools.yaml",
            "job-step.yaml");
    return files.stream();
  }

  @ParameterizedTest
  @MethodSource("examples")
  void exampleIsValid(Path file) throws IOException {
    JsonNode doc = Json.YAML.readTree(Files.readString(file));
    AgentTask task = Json.convert(doc, AgentTask.class);
    assertThat(task.getSpec().steps).isNotEmpty();
    // Nothing is lost between the file and the model: unknown fields would vanish here.
    assertThat(Json.MAPPER.readTree(Json.write(task.getSpec())))
        .isEqualTo(Json.MAPPER.readTree(Json.write(doc.get("spec"))));

    ManifestValidator schema = ManifestValidator.fromBundledCrd();
    assertThat(schema.validate(doc)).as("schema problems of " + file).isEmpty();
    assertThat(TaskValidator.bundled().validate(doc)).as("problems of " + file).isEmpty();
  }
}
