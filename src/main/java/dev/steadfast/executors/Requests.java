package dev.steadfast.executors;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.steadfast.api.HttpAuth;
import dev.steadfast.api.SecretKeyRef;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Redactor;
import dev.steadfast.engine.format.Json;
import dev.steadfast.executors.Secrets.SecretNotAllowedException;
import dev.steadfast.executors.Secrets.SecretNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;

/** Request-building steps the http and llm executors share. */
final class Requests {
  // Strict, so "{} trailing garbage" is not mistaken for a JSON document.
  static final ObjectReader STRICT_JSON =
      Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Requests() {}

  /**
   * An absolute http(s) URL.
   *
   * @throws IllegalArgumentException saying what is wrong: a spec error
   */
  static URI uri(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("url is empty");
    }
    URI uri;
    try {
      uri = new URI(url.strip());
    } catch (URISyntaxException e) {
      // Not e.getMessage(): it repeats the whole input, query string (and any key in it) included.
      throw new IllegalArgumentException(
          "invalid url " + withoutQuery(url) + ": " + e.getReason() + " at index " + e.getIndex());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("url must be http or https: " + withoutQuery(url));
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("url has no host: " + withoutQuery(url));
    }
    return uri;
  }

  /** A URL fit for a message: no query string or user info, which may carry credentials. */
  static String withoutQuery(String url) {
    String u = url.strip();
    int q = u.indexOf('?');
    if (q >= 0) {
      u = u.substring(0, q) + "?…";
    }
    int start = u.indexOf("://") < 0 ? 0 : u.indexOf("://") + 3;
    int slash = u.indexOf('/', start);
    int end = slash < 0 ? u.length() : slash;
    int at = u.lastIndexOf('@', end - 1);
    if (at >= start) {
      u = u.substring(0, start) + "…@" + u.substring(at + 1);
    }
    return u;
  }

  /** A body that parses as a JSON object or array gets Content-Type application/json. */
  static boolean looksLikeJson(String body) {
    if (body == null) {
      return false;
    }
    String b = body.strip();
    if (!(b.startsWith("{") && b.endsWith("}")) && !(b.startsWith("[") && b.endsWith("]"))) {
      return false;
    }
    try {
      STRICT_JSON.readTree(b);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Reads a secret, registers it with the redactor before anything else can see it, and strips the
   * newline a mounted secret file usually ends with (it would make an invalid header).
   *
   * @param destination the URI the request carrying the value is sent to
   * @throws SecretNotAllowedException when the Secret may not go there: nothing is sent
   */
  static String secret(
      Secrets secrets, Redactor redactor, String namespace, SecretKeyRef ref, URI destination)
      throws SecretNotFoundException, SecretNotAllowedException {
    String value;
    try {
      value = secrets.forRequest(namespace, ref, destination);
    } catch (SecretNotFoundException e) {
      if (e.getMessage() != null && !e.getMessage().isBlank()) {
        throw e;
      }
      value = null;
    }
    if (value == null) {
      throw new SecretNotFoundException(
          "secret " + ref.name + " has no key " + ref.key + " in namespace " + namespace);
    }
    redactor.register(value);
    return value.strip();
  }

  // Header and query parameter names whose values are credentials, whatever a step's `auth` says.
  private static final Pattern CREDENTIAL_NAME =
      Pattern.compile(
          "(?i)(key|sig|signature|.*(authorization|cookie|api[-_]?key|access[-_]?key|token|secret"
              + "|password|credential).*)");

  /**
   * docs/errors.md: messages never carry request auth headers. Credentials written straight into a
   * step's {@code headers} (for example {@code Authorization: "Bearer {{ inputs.token }}"}) or its
   * URL query ({@code ?api_key=...}) are not read through a secretRef, so they are registered here:
   * a server echoing the request in an error page must not publish them in status or events.
   */
  static void registerCredentials(Redactor redactor, Map<String, String> headers, URI uri) {
    if (headers != null) {
      headers.forEach(
          (name, value) -> {
            if (name != null && value != null && CREDENTIAL_NAME.matcher(name.strip()).matches()) {
              registerWithoutScheme(redactor, value);
            }
          });
    }
    String query = uri == null ? null : uri.getRawQuery();
    if (query == null) {
      return;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && CREDENTIAL_NAME.matcher(decode(pair.substring(0, eq))).matches()) {
        redactor.register(pair.substring(eq + 1));
        redactor.register(decode(pair.substring(eq + 1)));
      }
    }
  }

  // "Bearer abc": an echo may carry the whole value or only the credential after the scheme.
  private static void registerWithoutScheme(Redactor redactor, String value) {
    redactor.register(value);
    String v = value.strip();
    int space = v.indexOf(' ');
    if (space > 0) {
      redactor.register(v.substring(space + 1).strip());
    }
  }

  private static String decode(String s) {
    try {
      return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  /** The engine's key replaces any the step set, so a re-run is always recognisable. */
  static void idempotencyKey(ClassicRequestBuilder builder, AttemptRequest request) {
    if (request.idempotencyKey() != null && !request.idempotencyKey().isBlank()) {
      builder.setHeader("Idempotency-Key", request.idempotencyKey());
    }
  }

  // RFC 9110 token: header names and methods.
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  // Headers the client sets from the URL and body; a step setting them could smuggle a second
  // request or address another virtual host than the URL names.
  private static final Set<String> RESTRICTED =
      Set.of("connection", "content-length", "expect", "host", "upgrade", "transfer-encoding");

  /**
   * Adds (or with {@code replace}, sets) a header after checking it.
   *
   * @throws IllegalArgumentException naming the header (never its value, which may be a secret)
   *     when the name is not a token, is one the client sets, or the value holds a line break
   */
  static void header(ClassicRequestBuilder builder, String name, String value, boolean replace) {
    if (name == null || !TOKEN.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid header name \"" + name + "\"");
    }
    if (RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("header " + name + " is set by the client, not the step");
    }
    if (value == null || value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
      throw new IllegalArgumentException("invalid value for header " + name);
    }
    if (replace) {
      builder.setHeader(name, value);
    } else {
      builder.addHeader(name, value);
    }
  }

  /**
   * A request builder for {@code method} and {@code uri}.
   *
   * @throws IllegalArgumentException when the method is not a token
   */
  static ClassicRequestBuilder request(String method, URI uri) {
    if (method == null || !TOKEN.matcher(method).matches()) {
      throw new IllegalArgumentException("invalid method \"" + method + "\"");
    }
    return ClassicRequestBuilder.create(method).setUri(uri);
  }

  /**
   * The header an {@code http.auth} block turns into.
   *
   * @param name header name, e.g. Authorization
   * @param value the full header value: a secret, to be registered with the redactor
   */
  record AuthHeader(String name, String value) {}

  /**
   * Builds the auth header from the secret value.
   *
   * @throws IllegalArgumentException when scheme Header has no header name (a spec error)
   */
  static AuthHeader authHeader(HttpAuth auth, String secret) {
    HttpAuth.Scheme scheme = auth.scheme == null ? HttpAuth.Scheme.Bearer : auth.scheme;
    return switch (scheme) {
      case Bearer -> new AuthHeader("Authorization", "Bearer " + secret);
      case Basic ->
          new AuthHeader(
              "Authorization",
              "Basic "
                  + Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
      case Header -> {
        if (auth.header == null || auth.header.isBlank()) {
          throw new IllegalArgumentException("auth.header is required when scheme is Header");
        }
        yield new AuthHeader(auth.header.strip(), secret);
      }
    };
  }
}
