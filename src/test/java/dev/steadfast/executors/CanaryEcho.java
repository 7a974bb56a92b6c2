package dev.steadfast.executors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.steadfast.engine.format.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A server on a loopback port that echoes the credential it receives in every spelling a careless
 * API might: raw, inside JSON text, URL-encoded, base64 (alone and inside a Basic-auth blob) and
 * hex. Tests point a step's {@code auth.secretRef} at it and then search everything a user could
 * read for {@link #CANARY} in any of those spellings ({@link #assertNoCanary}).
 *
 * <p>Paths: {@code /echo?pad=N} JSON (N bytes of padding make the output large), {@code /text} the
 * same as text, {@code /fail} the JSON with status 500, {@code /static} the body given to {@link
 * #staticBody}, {@code /hold} answers only after {@link #release()}.
 */
public final class CanaryEcho implements AutoCloseable {
  /** ASCII (it travels in a header), with characters every encoding spells differently. */
  public static final String CANARY = "sf-Can\"ary/9q+Z~x?w";

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<String> tokens = new CopyOnWriteArrayList<>();
  private final CountDownLatch held = new CountDownLatch(1);
  private volatile String staticBody = "{}";

  private CanaryEcho() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  public static CanaryEcho start() {
    try {
      return new CanaryEcho();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code http://127.0.0.1:PORT} */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The credentials received (Authorization without its scheme), one per request that had one. */
  public List<String> tokens() {
    return List.copyOf(tokens);
  }

  public void staticBody(String body) {
    this.staticBody = body;
  }

  public void release() {
    held.countDown();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      String token = auth == null ? "" : auth.substring(auth.indexOf(' ') + 1);
      if (!token.isEmpty()) {
        tokens.add(token);
      }
      String path = ex.getRequestURI().getPath();
      String query = ex.getRequestURI().getQuery();
      int pad =
          query != null && query.startsWith("pad=") ? Integer.parseInt(query.substring(4)) : 0;
      String body;
      String type = "application/json";
      if (path.startsWith("/static")) {
        body = staticBody;
      } else if (path.startsWith("/hold")) {
        held.await();
        body = "{\"held\":true}";
      } else if (path.startsWith("/text")) {
        type = "text/plain";
        body = String.join("\n", spellings(token).values());
      } else {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("authorization", auth);
        spellings(token).forEach(json::put);
        json.put(token, "the credential as a key");
        json.put("padding", "p".repeat(pad));
        body = json.toString();
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      ex.sendResponseHeaders(path.startsWith("/fail") ? 500 : 200, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** How the echo spells a credential, by name. */
  static Map<String, String> spellings(String token) {
    byte[] bytes = token.getBytes(StandardCharsets.UTF_8);
    String form = URLEncoder.encode(token, StandardCharsets.UTF_8);
    Map<String, String> s = new LinkedHashMap<>();
    s.put("raw", token);
    s.put("inJsonText", Json.write(Map.of("token", token))); // {"token":"sf-Can\"ary/..."}
    s.put("formEncoded", form);
    s.put(
        "percentLower",
        java.util.regex.Pattern.compile("%[0-9A-F]{2}")
            .matcher(form.replace("+", "%20"))
            .replaceAll(m -> m.group().toLowerCase(Locale.ROOT)));
    s.put("base64", Base64.getEncoder().encodeToString(bytes));
    s.put("base64Url", Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    s.put("basic", basic(token));
    s.put("hex", HexFormat.of().formatHex(bytes));
    return s;
  }

  private static String basic(String token) {
    return Base64.getEncoder()
        .encodeToString(("echo-user:" + token).getBytes(StandardCharsets.UTF_8));
  }

  /** The spellings of the canary to search for; for the Basic blob, its secret-only middle. */
  public static List<String> canaryForms() {
    List<String> forms = new ArrayList<>(spellings(CANARY).values());
    forms.remove(basic(CANARY));
    String basic = basic(CANARY);
    forms.add(basic.substring(16, basic.length() - 4));
    String escaped = unquoted(Json.write(CANARY)); // sf-Can\"ary/...
    forms.add(escaped);
    forms.add(unquoted(Json.write(escaped))); // JSON text inside a JSON string: sf-Can\\\"ary
    return forms;
  }

  private static String unquoted(String json) {
    return json.substring(1, json.length() - 1);
  }

  /** Fails naming where and which spelling of the canary appears in {@code text}. */
  public static void assertNoCanary(String where, String text) {
    if (text == null) {
      return;
    }
    for (String form : canaryForms()) {
      assertThat(text).as("%s leaks the canary as %s", where, form).doesNotContain(form);
    }
  }

  @Override
  public void close() {
    held.countDown();
    server.stop(0);
    threads.shutdownNow();
  }
}
