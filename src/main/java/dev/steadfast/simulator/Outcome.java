package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The HTTP answer to one request, decided before anything is sent so it can be logged first. {@code
 * status} -1 means no answer at all (a held or dropped connection).
 */
record Outcome(int status, Map<String, String> headers, String body) {

  Outcome {
    headers = Map.copyOf(headers);
  }

  static Outcome json(int status, JsonNode body) {
    return new Outcome(status, Map.of("Content-Type", "application/json"), Json.write(body));
  }

  /** A body sent as is: the malformed documents of {@code invalid-output} and {@code length}. */
  static Outcome raw(int status, String body) {
    return new Outcome(status, Map.of("Content-Type", "application/json"), body);
  }

  static Outcome none() {
    return new Outcome(-1, Map.of(), null);
  }

  Outcome withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Outcome(status, more, body);
  }
}
