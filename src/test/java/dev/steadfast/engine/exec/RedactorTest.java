package dev.steadfast.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.Tier;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RedactorTest {
  private final Redactor redactor = new Redactor();

  @Test
  void registeredValuesAreMasked() {
    redactor.register("hunter22\n");

    assertThat(redactor.redact("key=hunter22 and hunter22\n"))
        .isEqualTo("key=[REDACTED] and [REDACTED]");
  }

  @Test
  void shortValuesAreIgnoredSoOrdinaryTextSurvives() {
    redactor.register("abc");
    redactor.register(null);

    assertThat(redactor.redact("abc def")).isEqualTo("abc def");
  }

  @Test
  void aSecretContainingAnotherIsMaskedWhole() {
    redactor.register("token");
    redactor.register("Bearer token-123");

    assertThat(redactor.redact("got Bearer token-123")).isEqualTo("got [REDACTED]");
  }

  @Test
  void failureMessagesAreRedacted() {
    redactor.register("s3cr3t-value");

    Failure failure = redactor.redact(Failure.of(Tier.Fatal, "Unauthorized", "bad s3cr3t-value"));

    assertThat(failure.message()).isEqualTo("bad [REDACTED]");
    assertThat(failure.reason()).isEqualTo("Unauthorized");
  }

  @Test
  void excerptsAreOneLineAndAtMostOneKib() {
    String excerpt = redactor.excerpt("line one\n\n  line two " + "é".repeat(2000));

    assertThat(excerpt).startsWith("line one line two é").endsWith("…");
    assertThat(excerpt.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
  }

  @Test
  void cuttingNeverSplitsACharacter() {
    String emoji = "😀".repeat(300);

    String cut = Redactor.capUtf8(emoji, 1024);

    assertThat(cut.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
    assertThat(cut.codePoints().limit(cut.codePointCount(0, cut.length()) - 1))
        .allMatch(cp -> cp == "😀".codePointAt(0));
  }
}
