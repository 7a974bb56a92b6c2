package dev.steadfast.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/reference.md is generated from the committed CRD, so the reference cannot drift from what
 * the API server and `kubectl explain` say: a changed description, default or field fails this test
 * until the reference is refreshed with {@link ReferenceDoc#REFRESH}.
 */
class ReferenceDocTest {
  static final Path REFERENCE = Path.of("docs/reference.md");

  static String generated() throws Exception {
    return ReferenceDoc.render(Files.readString(CrdFinisher.COMMITTED));
  }

  static void assertSame(String committed, String generated) {
    if (!committed.equals(generated)) {
      throw new AssertionError(
          REFERENCE
              + " differs from the reference generated from crds/"
              + CrdFinisher.FILE
              + "; refresh it with `"
              + ReferenceDoc.REFRESH
              + "` and commit the result");
    }
  }

  @Test
  void referenceIsGeneratedFromTheCommittedCrd() throws Exception {
    String expected = generated();
    if (Boolean.getBoolean("docs.write")) {
      Files.createDirectories(REFERENCE.getParent());
      Files.writeString(REFERENCE, expected);
    }
    assertSame(Files.exists(REFERENCE) ? Files.readString(REFERENCE) : "", expected);
  }

  @Test
  void aStaleReferenceIsCaughtWithTheRefreshCommand() throws Exception {
    String generated = generated();
    String edited =
        generated.replace("| `maxAttempts` | integer | 5 |", "| `maxAttempts` | integer | 3 |");
    assertThat(edited).isNotEqualTo(generated);
    assertThatThrownBy(() -> assertSame(edited, generated))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(ReferenceDoc.REFRESH);
  }

  @Test
  void everyFieldOfTheCrdHasARowWithItsDefault() throws Exception {
    JsonNode crd = Serialization.unmarshal(Files.readString(CrdFinisher.COMMITTED), JsonNode.class);
    Set<String> fields = new TreeSet<>();
    collectFields(crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec"), fields);
    collectFields(crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/status"), fields);
    String reference = generated();
    assertThat(fields).hasSizeGreaterThan(100);
    assertThat(fields)
        .as("fields of the CRD without a row in the reference")
        .allMatch(f -> reference.contains("| `" + f + "` |"));
    assertThat(reference)
        .contains("| `maxAttempts` | integer | 5 |")
        .contains("| `initialDelay` | duration | 1s for backoff, 10s for rateLimit |")
        .contains("| `onContextOverflow` | string (one of `Fail`, `Truncate`) | `Truncate` |")
        .contains("| `steps` | list of [object](#specsteps) (1..100 items) | required |");
  }

  private static void collectFields(JsonNode schema, Set<String> into) {
    if (schema.isMissingNode()) {
      return;
    }
    schema
        .path("properties")
        .fields()
        .forEachRemaining(
            f -> {
              into.add(f.getKey());
              collectFields(f.getValue(), into);
            });
    collectFields(schema.path("items"), into);
  }

  @Test
  void everyLinkPointsAtASection() throws Exception {
    String reference = generated();
    Set<String> headings = new HashSet<>();
    Matcher h = Pattern.compile("(?m)^## (.+)$").matcher(reference);
    while (h.find()) {
      headings.add(ReferenceDoc.anchor(h.group(1)));
    }
    assertThat(ReferenceDoc.anchorsLinked(reference)).isNotEmpty();
    assertThat(headings).containsAll(ReferenceDoc.anchorsLinked(reference));
  }
}
