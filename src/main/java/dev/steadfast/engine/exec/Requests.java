package dev.steadfast.engine.exec;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.steadfast.api.HttpAuth;
import dev.steadfast.api.SecretKeyRef;
import dev.steadfast.engine.Json;
import dev.steadfast.engine.exec.Secrets.SecretNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

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
      throw new IllegalArgumentException("invalid url: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("url must be http or https: " + url);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("url has no host: " + url);
    }
    return uri;
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
   */
  static String secret(Secrets secrets, Redactor redactor, String namespace, SecretKeyRef ref)
      throws SecretNotFoundException {
    String value;
    try {
      value = secrets.get(namespace, ref);
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

  /** The engine's key replaces any the step set, so a re-run is always recognisable. */
  static void idempotencyKey(HttpRequest.Builder builder, AttemptRequest request) {
    if (request.idempotencyKey() != null && !request.idempotencyKey().isBlank()) {
      builder.setHeader("Idempotency-Key", request.idempotencyKey());
    }
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
