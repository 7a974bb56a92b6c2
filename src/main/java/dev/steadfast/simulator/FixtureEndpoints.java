package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.sun.net.httpserver.Headers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Two plain JSON endpoints for testing http steps against the same faults as model calls: {@code
 * GET /items?count=N} and {@code POST /echo}. Faults are decided under the model name {@code http}.
 */
final class FixtureEndpoints {
  static final String MODEL = "http";
  private static final int DEFAULT_COUNT = 3;
  private static final int MAX_COUNT = 10_000;
  private static final WireFormat ERRORS = new OpenAiFormat();

  private final SimulatorConfig config;
  private final FaultDecider decider;

  FixtureEndpoints(SimulatorConfig config, FaultDecider decider) {
    this.config = config;
    this.decider = decider;
  }

  Handled handle(String path, String method, String query, Headers headers, byte[] raw) {
    boolean items = path.equals("/items");
    if (!method.equals(items ? "GET" : "POST")) {
      return refused(null, 405, "use " + (items ? "GET" : "POST") + " " + path);
    }
    JsonNode requestBody;
    JsonNode document;
    if (items) {
      requestBody = null;
      int count;
      try {
        count = count(query);
      } catch (IllegalArgumentException e) {
        return refused(null, 400, e.getMessage());
      }
      document = items(count);
    } else {
      String text = new String(raw, StandardCharsets.UTF_8);
      try {
        requestBody = text.isBlank() ? NullNode.getInstance() : Json.parse(text);
      } catch (IOException e) {
        return refused(TextNode.valueOf(text), 400, "request body is not valid JSON");
      }
      ObjectNode echo = Json.object().set("echo", requestBody);
      document = echo.put("idempotencyKey", headers.getFirst("Idempotency-Key"));
    }
    FaultDecider.Decision decision = decider.next(MODEL);
    FaultKind fault = decision.fault();
    if (config.apiKey() != null && !config.apiKey().equals(presentedKey(headers))) {
      fault = FaultKind.UNAUTHORIZED;
    }
    return new Handled(
        decision.sequence(), MODEL, MODEL, requestBody, fault, outcome(document, fault));
  }

  private Outcome outcome(JsonNode document, FaultKind fault) {
    if (fault == null) {
      return Outcome.json(200, document);
    }
    return switch (fault) {
      case INVALID_OUTPUT, LENGTH -> {
        String text = Json.write(document);
        yield Outcome.raw(200, text.substring(0, text.length() / 2));
      }
      case TIMEOUT, NETWORK -> Outcome.none();
      default -> ERRORS.faultAnswer(fault, 0, null, config.retryAfterSeconds());
    };
  }

  /** Either header style works here, as http steps may authenticate either way. */
  private static String presentedKey(Headers headers) {
    String bearer = ERRORS.presentedKey(headers);
    return bearer != null ? bearer : headers.getFirst("x-api-key");
  }

  private Handled refused(JsonNode body, int status, String message) {
    String type = status == 405 ? "method_not_allowed" : "invalid_request_error";
    Outcome outcome = OpenAiFormat.error(status, type, type, message);
    return new Handled(decider.nextSequence(), MODEL, MODEL, body, null, outcome);
  }

  private static int count(String query) {
    if (query == null) {
      return DEFAULT_COUNT;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith("count=")) {
        String value = pair.substring("count=".length());
        try {
          int count = Integer.parseInt(value);
          if (count >= 0 && count <= MAX_COUNT) {
            return count;
          }
        } catch (NumberFormatException e) {
          // reported below, with the range
        }
        throw new IllegalArgumentException(
            "count must be an integer 0.." + MAX_COUNT + ", got '" + value + "'");
      }
    }
    return DEFAULT_COUNT;
  }

  private static JsonNode items(int count) {
    ObjectNode document = Json.object();
    ArrayNode list = document.putArray("items");
    for (int i = 1; i <= count; i++) {
      list.addObject().put("id", i).put("title", "Item " + i);
    }
    return document;
  }
}
