package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Request bodies in both wire formats, built the way Steadfast's executors build them. */
final class Requests {
  private Requests() {}

  static ObjectNode openAi(String model, String userText) {
    ObjectNode body = SimClient.MAPPER.createObjectNode().put("model", model);
    body.put("max_tokens", 256).put("temperature", 0.0);
    body.putArray("messages").addObject().put("role", "user").put("content", userText);
    return body;
  }

  static ObjectNode openAi(String model, String systemText, String userText) {
    ObjectNode body = openAi(model, userText);
    ArrayNode messages = body.putArray("messages");
    messages.addObject().put("role", "system").put("content", systemText);
    messages.addObject().put("role", "user").put("content", userText);
    return body;
  }

  static ObjectNode anthropic(String model, String userText) {
    ObjectNode body = SimClient.MAPPER.createObjectNode().put("model", model);
    body.put("max_tokens", 256);
    body.putArray("messages").addObject().put("role", "user").put("content", userText);
    return body;
  }

  static JsonNode schema(String json) {
    try {
      return SimClient.MAPPER.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** The prompt suffix Steadfast's engine appends when an output schema is set. */
  static String respondWithSchema(String schemaJson) {
    return "Respond with JSON only, matching this JSON Schema:\n" + schemaJson;
  }
}
