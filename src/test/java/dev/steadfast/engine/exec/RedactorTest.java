package dev.steadfast.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.format.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RedactorTest {
  // Quotes, a backslash, a slash, a space, a tilde, non-ASCII and a control character: every
  // encoding below spells it differently from the raw value.
  static final String CANARY = "cAn\"ary/s3c r3t~é\\\u0001x*?";
  private final Redactor redactor = new Redactor();

  @Test
  void registeredValuesAreMasked() {
    redactor.register("hunter22\n");

    assertThat(redactor.redact("key=hunter22 and hunter22\n"))
        .isEqualTo("key=[REDACTED] and [REDACTED]");
  }

  @Test
  void shortValuesAreMaskedTooAndEmptyOnesIgnored() {
    redactor.register("ab");
    redactor.register("7");
    redactor.register("");
    redactor.register(null);

    assertThat(redactor.redact("ab cd 17 x")).isEqualTo("[REDACTED] cd 1[REDACTED] x");
    assertThat(redactor.values()).containsExactlyInAnyOrder("ab", "7");
  }

  @Test
  void aOneCharacterSecretNeverEatsIntoAMaskAndRedactingTwiceChangesNothing() {
    redactor.register("E");

    String once = redactor.redact("E and [REDACTED] and E");

    assertThat(once).isEqualTo("[REDACTED] and [REDACTED] and [REDACTED]");
    assertThat(redactor.redact(once)).isEqualTo(once);
  }

  @Test
  void jsonEscapedFormsAsJacksonPythonAndPhpWriteThemAreMasked() throws Exception {
    redactor.register(CANARY);
    String jackson = Json.MAPPER.writeValueAsString(CANARY); // "cAn\"ary/s3c r3t~é\\\u0001x*?"
    String ascii =
        JsonMapper.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .build()
            .writeValueAsString(CANARY); // é as \u00E9
    String python = ascii.replace("\\u00E9", "\\u00e9");
    String php = python.replace("/", "\\/");

    for (String body : new String[] {jackson, ascii, python, php}) {
      assertThat(body).doesNotContain(CANARY);
      assertThat(redactor.redact("{\"echo\":" + body + "}")).isEqualTo("{\"echo\":\"[REDACTED]\"}");
    }
  }

  @Test
  void urlEncodedFormsAreMasked() {
    redactor.register(CANARY);
    String form = URLEncoder.encode(CANARY, StandardCharsets.UTF_8); // + for space, %7E, *
    String spaces = form.replace("+", "%20");
    String lower = // as Python's urllib and many Go clients write them
        java.util.regex.Pattern.compile("%[0-9A-F]{2}")
            .matcher(spaces)
            .replaceAll(m -> m.group().toLowerCase(java.util.Locale.ROOT));
    String rfc3986 = spaces.replace("%7E", "~").replace("*", "%2A");
    String js = spaces.replace("%7E", "~");

    for (String encoded : new String[] {form, spaces, lower, rfc3986, js}) {
      assertThat(redactor.redact("GET /echo?q=" + encoded + "&n=1"))
          .isEqualTo("GET /echo?q=[REDACTED]&n=1");
    }
  }

  @Test
  void base64FormsStandardAndUrlSafePaddedOrNotAreMasked() {
    String secret = "s3cr3t??>>~~x"; // encodes with + and / in the standard alphabet, and padding
    redactor.register(secret);
    byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
    String std = Base64.getEncoder().encodeToString(bytes);
    String url = Base64.getUrlEncoder().encodeToString(bytes);
    assertThat(std).contains("=").isNotEqualTo(url);

    for (String encoded :
        new String[] {
          std, url, std.replace("=", ""), url.replace("=", ""), std.replace("/", "\\/")
        }) {
      assertThat(redactor.redact("token: " + encoded + " end")).isEqualTo("token: [REDACTED] end");
    }
  }

  /**
   * A value inside a larger encoded blob (Basic auth's user:secret, a token in an encoded JSON
   * document) at every byte offset: what is left visible is only the characters that encode the
   * surrounding bytes, plus at most one partial character at each edge of the value.
   */
  @Test
  void base64OfAValueInsideALargerBlobIsMaskedAtEveryOffset() {
    String secret = "ghp_canaryValue1234";
    redactor.register(secret);
    for (int before = 0; before <= 5; before++) {
      for (int after = 0; after <= 3; after++) {
        String blob = "u".repeat(before) + secret + "v".repeat(after);
        for (Base64.Encoder encoder :
            new Base64.Encoder[] {Base64.getEncoder(), Base64.getUrlEncoder().withoutPadding()}) {
          String encoded = encoder.encodeToString(blob.getBytes(StandardCharsets.UTF_8));

          String masked = redactor.redact("Basic " + encoded);

          assertThat(masked).as("offset %d + %d", before, after).contains(Redactor.MASK);
          int visible = masked.length() - "Basic ".length() - Redactor.MASK.length();
          int context = (before * 8 + 5) / 6 + (after * 8 + 5) / 6 + 2 + 2; // + edges + padding
          assertThat(visible).as("%s → %s", encoded, masked).isLessThanOrEqualTo(context);
        }
      }
    }
  }

  @Test
  void hexFormsAreMasked() {
    redactor.register("s3cr3t-key");
    String hex = HexFormat.of().formatHex("s3cr3t-key".getBytes(StandardCharsets.UTF_8));

    assertThat(redactor.redact("digest " + hex + " / " + hex.toUpperCase()))
        .isEqualTo("digest [REDACTED] / [REDACTED]");
  }

  @Test
  void overlappingSecretsLeaveNoneOfEitherVisible() {
    redactor.register("abcd1234");
    redactor.register("1234wxyz");

    assertThat(redactor.redact("[abcd1234wxyz] abcd1234")).isEqualTo("[[REDACTED]] [REDACTED]");
  }

  @Test
  void aSecretContainingAnotherIsMaskedWhole() {
    redactor.register("token");
    redactor.register("Bearer token-123");

    assertThat(redactor.redact("got Bearer token-123")).isEqualTo("got [REDACTED]");
  }

  @Test
  void jsonIsRedactedDeepInStringsKeysAndNumbersWithoutTouchingTheInput() throws Exception {
    redactor.register("s3cr3t-value");
    redactor.register("4242");
    JsonNode input =
        Json.MAPPER.readTree(
            "{\"headers\":{\"Authorization\":\"Bearer s3cr3t-value\"},"
                + "\"s3cr3t-value\":1,\"pin\":4242,\"list\":[\"ok\",[\"x s3cr3t-value\"]],"
                + "\"plain\":true}");
    String before = input.toString();

    JsonNode out = redactor.redact(input);

    assertThat(out.toString())
        .isEqualTo(
            "{\"headers\":{\"Authorization\":\"Bearer [REDACTED]\"},\"[REDACTED]\":1,"
                + "\"pin\":\"[REDACTED]\",\"list\":[\"ok\",[\"x [REDACTED]\"]],\"plain\":true}");
    assertThat(input.toString()).isEqualTo(before);
    JsonNode clean = Json.MAPPER.readTree("{\"a\":[1,\"b\"]}");
    assertThat(redactor.redact(clean)).isSameAs(clean);
  }

  @Test
  void outcomesAreRedactedInOutputTranscriptNoteAndQuotedReply() throws Exception {
    redactor.register("s3cr3t-value");
    JsonNode transcript =
        Json.MAPPER.readTree("[{\"role\":\"tool\",\"content\":\"echo: s3cr3t-value\"}]");

    Outcome.Progress p =
        (Outcome.Progress) redactor.redact(new Outcome.Progress(transcript, "s3cr3t-value"));
    Outcome.Failed f =
        (Outcome.Failed)
            redactor.redact(
                new Outcome.Failed(
                    Failure.of(Tier.Recoverable, "InvalidOutput", "bad s3cr3t-value"),
                    "reply s3cr3t-value"));
    Outcome.Success s =
        (Outcome.Success)
            redactor.redact(new Outcome.Success(Json.MAPPER.readTree("\"s3cr3t-value\"")));

    assertThat(p.transcript().toString()).doesNotContain("s3cr3t").contains("[REDACTED]");
    assertThat(p.note()).isEqualTo("[REDACTED]");
    assertThat(f.failure().message()).isEqualTo("bad [REDACTED]");
    assertThat(f.invalidContent()).isEqualTo("reply [REDACTED]");
    assertThat(s.output().textValue()).isEqualTo("[REDACTED]");
  }

  @Test
  void anotherRedactorsValuesAreNotMaskedUntilAbsorbed() {
    Redactor taskA = new Redactor();
    taskA.register("value-of-task-a");

    assertThat(redactor.redact("echo value-of-task-a")).isEqualTo("echo value-of-task-a");
    redactor.absorb(taskA);
    assertThat(redactor.redact("echo value-of-task-a")).isEqualTo("echo [REDACTED]");
  }

  @Test
  void aLargeSecretSuchAsACertificateBundleIsMaskedWhole() {
    String pem =
        "-----BEGIN CERTIFICATE-----\n" + "MIIB".repeat(16_000) + "\n-----END CERTIFICATE-----";
    redactor.register(pem);
    String b64 = Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8));

    assertThat(redactor.redact("a " + pem + " b " + b64 + " c"))
        .isEqualTo("a [REDACTED] b [REDACTED] c");
  }

  @Test
  void patternsSharingALongPrefixAreEachMatchedWhole() {
    redactor.register("Bearer sk-live-0123456789abcdef-one");
    redactor.register("Bearer sk-live-0123456789abcdef-three");

    assertThat(
            redactor.redact(
                "x Bearer sk-live-0123456789abcdef-three y Bearer sk-live-0123456789abcdef-one z"
                    + " Bearer sk-live-0123456789abcdef-two"))
        .isEqualTo("x [REDACTED] y [REDACTED] z Bearer sk-live-0123456789abcdef-two");
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
