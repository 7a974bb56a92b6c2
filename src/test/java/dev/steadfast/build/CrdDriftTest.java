package dev.steadfast.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The committed CRD must be exactly what the build generates from the Java model. */
class CrdDriftTest {
  static final String REFRESH = "./mvnw process-test-classes -Dcrd.write=true";

  static void assertSame(String committed, String generated) {
    if (!committed.equals(generated)) {
      throw new AssertionError(
          "crds/"
              + CrdFinisher.FILE
              + " differs from the CRD generated from dev.steadfast.api; refresh it with `"
              + REFRESH
              + "` and commit the result");
    }
  }

  @Test
  void committedCrdMatchesGeneratedOne() throws Exception {
    assertThat(CrdFinisher.FINISHED).as("the build writes the finished CRD").exists();
    assertSame(Files.readString(CrdFinisher.COMMITTED), Files.readString(CrdFinisher.FINISHED));
  }

  @Test
  void anEditedCrdIsCaughtWithTheRefreshCommand() throws Exception {
    String generated = Files.readString(CrdFinisher.FINISHED);
    String edited = generated.replace("shortNames:\n    - \"agt\"", "shortNames:\n    - \"at\"");
    assertThat(edited).isNotEqualTo(generated);
    assertThatThrownBy(() -> assertSame(edited, generated))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(REFRESH);
  }
}
