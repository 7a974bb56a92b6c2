package dev.steadfast.engine.exec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The spellings of a secret value that a server may echo back: as is, escaped inside a JSON string,
 * URL-encoded, base64 (alone or inside a larger blob such as Basic auth's {@code user:secret}) and
 * hex — the forms the GitHub Actions runner's SecretMasker registers too. Encodings come from the
 * JDK and Jackson; only the variants different servers produce (hex case, {@code %20} or {@code +},
 * {@code \/}) are derived from their output.
 */
final class SecretForms {
  /**
   * A base64 fragment of a value inside a larger blob carries the value's bits but not all of them;
   * shorter than this it is 18 bits or fewer, common in any base64 text, and masking it would
   * disfigure outputs without protecting anything worth the name.
   */
  static final int MIN_FRAGMENT = 4;

  private static final JsonStringEncoder JSON = JsonStringEncoder.getInstance();
  private static final JsonFactory ASCII_JSON =
      JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
  private static final Pattern UNICODE_ESCAPE = Pattern.compile("\\\\u[0-9A-F]{4}");
  private static final Pattern PERCENT_ESCAPE = Pattern.compile("%[0-9A-F]{2}");
  private static final Base64.Encoder[] BASE64 = {Base64.getEncoder(), Base64.getUrlEncoder()};

  private SecretForms() {}

  /** Every form of {@code value}, the value itself first; empty for an empty value. */
  static Set<String> of(String value) {
    Set<String> forms = new LinkedHashSet<>();
    if (value == null || value.isEmpty()) {
      return forms;
    }
    forms.add(value);
    json(value, forms);
    url(value, forms);
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    base64(bytes, forms);
    forms.add(HexFormat.of().formatHex(bytes));
    forms.add(HexFormat.of().withUpperCase().formatHex(bytes));
    // PHP and some Java serializers write "/" as "\/" in JSON; base64 and URLs are full of "/".
    for (String f : Set.copyOf(forms)) {
      if (f.indexOf('/') >= 0) {
        forms.add(f.replace("/", "\\/"));
      }
    }
    forms.remove("");
    return forms;
  }

  /**
   * Inside a JSON string: as Jackson writes it (quotes, backslashes, control characters escaped),
   * once or twice, and with non-ASCII escaped as {@code \\uXXXX} in upper case (Jackson's
   * ESCAPE_NON_ASCII) and lower case (Python's json.dumps).
   */
  private static void json(String value, Set<String> forms) {
    String escaped = new String(JSON.quoteAsString(value));
    forms.add(escaped);
    // JSON text carried inside a JSON string (a stringified body, an event payload): escaped twice.
    forms.add(new String(JSON.quoteAsString(escaped)));
    String ascii = asciiJson(value);
    forms.add(ascii);
    forms.add(lowerCase(UNICODE_ESCAPE, ascii));
  }

  private static String asciiJson(String value) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = ASCII_JSON.createGenerator(out)) {
      g.writeString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    String quoted = out.toString();
    return quoted.substring(1, quoted.length() - 1);
  }

  /**
   * In a query or form: URLEncoder's form encoding ({@code +} for a space), the same with {@code
   * %20}, RFC 3986 style (Python's quote, Go: {@code ~} kept, {@code *} escaped) and JavaScript's
   * encodeURIComponent ({@code ~!'()*} kept); each with upper- and lower-case hex.
   */
  private static void url(String value, Set<String> forms) {
    String form = URLEncoder.encode(value, StandardCharsets.UTF_8);
    String spaces = form.replace("+", "%20");
    String rfc3986 = spaces.replace("%7E", "~").replace("*", "%2A");
    String js =
        spaces
            .replace("%7E", "~")
            .replace("%21", "!")
            .replace("%27", "'")
            .replace("%28", "(")
            .replace("%29", ")");
    for (String f : new String[] {form, spaces, rfc3986, js}) {
      forms.add(f);
      forms.add(lowerCase(PERCENT_ESCAPE, f));
    }
  }

  /**
   * Standard and URL-safe alphabets, padded and not; and the stable inner characters of the value
   * when it sits at byte offset 0, 1 or 2 of a larger encoded blob (Basic auth's {@code
   * base64(user:secret)}, a token inside an encoded JSON document): base64 maps each 3 bytes to 4
   * characters, so the characters that depend only on the value's bits are the same wherever in the
   * blob it sits, up to its offset modulo 3.
   */
  private static void base64(byte[] bytes, Set<String> forms) {
    for (Base64.Encoder encoder : BASE64) {
      String padded = encoder.encodeToString(bytes);
      forms.add(padded);
      forms.add(encoder.withoutPadding().encodeToString(bytes));
      for (int offset = 0; offset < 3; offset++) {
        byte[] shifted = new byte[offset + bytes.length];
        System.arraycopy(bytes, 0, shifted, offset, bytes.length);
        String encoded = encoder.withoutPadding().encodeToString(shifted);
        // Characters before `start` mix in the preceding bytes, from `end` on the following ones.
        int start = (offset * 8 + 5) / 6;
        int end = (offset + bytes.length) * 8 / 6;
        if (end - start >= MIN_FRAGMENT) {
          forms.add(encoded.substring(start, end));
        }
      }
    }
  }

  private static String lowerCase(Pattern escape, String text) {
    Matcher m = escape.matcher(text);
    return m.replaceAll(r -> Matcher.quoteReplacement(r.group().toLowerCase(Locale.ROOT)));
  }
}
