package dev.steadfast.engine.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** YAML read as kubectl reads it (sigs.k8s.io/yaml over go-yaml), and bounded. */
class YamlDocumentsTest {
  static JsonNode one(String yaml) throws Exception {
    return YamlDocuments.parse(yaml).get(0);
  }

  @Test
  void anAliasIsTheAnchorsValueNotItsName() throws Exception {
    JsonNode doc = one("a: &b {x: 1, y: [2, 3]}\ncopy: *b\ns: &t hello\nu: *t\n");
    assertThat(doc.get("copy")).isEqualTo(doc.get("a"));
    assertThat(doc.get("copy").path("y").get(1).asInt()).isEqualTo(3);
    assertThat(doc.get("u").asText()).isEqualTo("hello");
  }

  @Test
  void mergeKeysMergeAndExplicitKeysWin() throws Exception {
    JsonNode doc =
        one(
            "base: &b {timeout: 5s, retry: {maxAttempts: 3}}\n"
                + "step:\n  <<: *b\n  timeout: 9s\n"
                + "two:\n  <<: [*b, {extra: true}]\n");
    assertThat(doc.get("step").has("<<")).isFalse();
    assertThat(doc.get("step").get("timeout").asText()).isEqualTo("9s");
    assertThat(doc.get("step").path("retry").path("maxAttempts").asInt()).isEqualTo(3);
    assertThat(doc.get("two").path("extra").asBoolean()).isTrue();
    assertThat(doc.get("two").path("timeout").asText()).isEqualTo("5s");
  }

  @Test
  void aDuplicateKeyIsRefusedNamingTheKeyAndLine() {
    assertThatThrownBy(() -> one("metadata:\n  name: a\nspec:\n  x: 1\n  x: 2\n"))
        .isInstanceOf(YamlDocuments.InvalidYamlException.class)
        .hasMessageContaining("duplicate key \"x\"")
        .hasMessageContaining("line 5");
  }

  @Test
  void scalarsKeepTheirKubernetesTypes() throws Exception {
    JsonNode doc = one("t: 2024-01-02T03:04:05Z\nd: 2024-01-02\nn: 12\nf: 1.5\nb: true\nz: ~\n");
    assertThat(doc.get("t").isTextual()).isTrue();
    assertThat(doc.get("t").asText()).isEqualTo("2024-01-02T03:04:05Z");
    assertThat(doc.get("d").asText()).isEqualTo("2024-01-02");
    assertThat(doc.get("n").isInt()).isTrue();
    assertThat(doc.get("f").asDouble()).isEqualTo(1.5);
    assertThat(doc.get("b").asBoolean()).isTrue();
    assertThat(doc.get("z").isNull()).isTrue();
  }

  @Test
  void aBillionLaughsIsRefusedQuickly() {
    StringBuilder y = new StringBuilder("l0: &l0 [a, a]\n");
    for (int i = 1; i <= 40; i++) {
      y.append("l").append(i).append(": &l").append(i);
      y.append(" [*l").append(i - 1).append(", *l").append(i - 1).append("]\n");
    }
    Instant t0 = Instant.now();
    assertThatThrownBy(() -> one(y.toString()))
        .isInstanceOf(YamlDocuments.InvalidYamlException.class)
        .hasMessageContaining("aliases");
    assertThat(Duration.between(t0, Instant.now())).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aFileOverTheLimitIsRefusedBeforeItIsRead(@TempDir Path dir) throws Exception {
    Path big = dir.resolve("big.yaml");
    Files.writeString(big, "a: " + "x".repeat(10 * 1024 * 1024) + "\n");
    Instant t0 = Instant.now();
    assertThatThrownBy(() -> YamlDocuments.read(big))
        .isInstanceOf(YamlDocuments.InvalidYamlException.class)
        .hasMessageContaining("over the limit of 3145728");
    assertThat(Duration.between(t0, Instant.now())).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void severalDocumentsAreRead() throws Exception {
    assertThat(YamlDocuments.parse("a: 1\n---\nb: 2\n")).hasSize(2);
  }
}
