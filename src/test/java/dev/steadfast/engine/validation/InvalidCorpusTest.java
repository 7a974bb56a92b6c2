package dev.steadfast.engine.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.engine.format.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * `steadfast validate` refuses every task of the invalid corpus (src/test/resources/invalid),
 * naming the field given on its first line. AdmissionParityIT runs the same files through a real
 * API server, which refuses them too except the few only `validate` can catch (listed there, with
 * why).
 */
class InvalidCorpusTest {
  static final Path CORPUS = Path.of("src", "test", "resources", "invalid");

  static Stream<Path> corpus() throws IOException {
    try (Stream<Path> files = Files.list(CORPUS)) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("corpus")
  void rejectedNamingTheField(Path file) throws IOException {
    String text = Files.readString(file);
    String field = text.lines().findFirst().orElseThrow().substring("# expect: ".length()).trim();
    List<Problem> problems = TaskValidator.bundled().validate(Json.YAML.readTree(text));
    assertThat(problems).as(file.toString()).isNotEmpty();
    assertThat(problems.toString()).as(file.toString()).contains(field);
  }
}
