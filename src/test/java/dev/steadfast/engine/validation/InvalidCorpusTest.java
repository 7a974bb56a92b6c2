package dev.steadfast.engine.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.engine.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * `steadfast validate` refuses every invalid task, naming the field: the ones the API server
 * rejects at admission (src/test/resources/invalid, also checked against a real API server by
 * CrdAdmissionIT) and the ones only the semantic checks catch (invalid-semantic: the operator
 * stalls those with InvalidSpec).
 */
class InvalidCorpusTest {
  static Stream<Path> corpus() throws IOException {
    return Stream.of("invalid", "invalid-semantic")
        .flatMap(
            dir -> {
              try {
                return Files.list(Path.of("src/test/resources", dir)).sorted().toList().stream();
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            })
        .filter(p -> p.toString().endsWith(".yaml"));
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
