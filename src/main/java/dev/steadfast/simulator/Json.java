package dev.steadfast.simulator;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The one ObjectMapper of the simulator, and the few JSON helpers both wire formats share. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static JsonNode parse(String text) throws IOException {
    return MAPPER.readTree(text);
  }

  /** The first JSON value in {@code text}, ignoring whatever follows it (prose after a schema). */
  static JsonNode parseFirst(String text) throws IOException {
    try (JsonParser parser = MAPPER.getFactory().createParser(text)) {
      return MAPPER.readTree(parser);
    }
  }

  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise JSON", e);
    }
  }

  /** A string field, or {@code fallback} when absent or not textual. */
  static String text(JsonNode node, String field, String fallback) {
    JsonNode value = node == null ? null : node.get(field);
    return value != null && value.isTextual() ? value.asText() : fallback;
  }

  /**
   * The text of a message content: a plain string, or the concatenated {@code text} of content
   * blocks / parts (both APIs allow arrays). Non-text blocks count as their JSON, so the context
   * estimate still grows with them.
   */
  static String contentText(JsonNode content) {
    if (content == null || content.isNull() || content.isMissingNode()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (!content.isArray()) {
      return write(content);
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if (part.isTextual()) {
        text.append(part.asText());
      } else if (part.has("text")) {
        text.append(part.get("text").asText());
      } else if (!"image".equals(text(part, "type", "")) && !part.has("image_url")) {
        text.append(write(part));
      }
    }
    return text.toString();
  }

  /** Hex SHA-256: the seed of every reply's details, so equal requests get equal replies. */
  static String digest(String text) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
