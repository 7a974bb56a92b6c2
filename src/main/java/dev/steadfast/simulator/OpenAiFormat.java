package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import java.util.ArrayList;
import java.util.List;

/** The OpenAI chat-completions format, which vLLM, Ollama, LiteLLM and most gateways speak. */
final class OpenAiFormat implements WireFormat {
  private static final String RATE_LIMITED_MESSAGE =
      "Rate limit reached for requests (simulated). Please try again later.";
  private static final String QUOTA_MESSAGE =
      "You exceeded your current quota, please check your plan and billing details.";

  @Override
  public String api() {
    return "openai";
  }

  @Override
  public ChatRequest parse(JsonNode body) {
    String model = requireModel(body);
    JsonNode messages = body.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw new IllegalArgumentException("'messages' must be a non-empty array");
    }
    List<ChatRequest.Turn> turns = new ArrayList<>();
    for (JsonNode message : messages) {
      StringBuilder text = new StringBuilder(Json.contentText(message.get("content")));
      // Earlier tool calls are part of the prompt the model reads, so they count towards size.
      message.path("tool_calls").forEach(c -> text.append(c.path("function").path("arguments")));
      turns.add(new ChatRequest.Turn(Json.text(message, "role", "user"), text.toString()));
    }
    List<ChatRequest.ToolSpec> tools = new ArrayList<>();
    for (JsonNode tool : body.path("tools")) {
      JsonNode function = tool.path("function");
      tools.add(
          new ChatRequest.ToolSpec(
              Json.text(function, "name", "tool"), function.get("parameters")));
    }
    JsonNode format = body.path("response_format");
    String formatType = Json.text(format, "type", "text");
    JsonNode schema = format.path("json_schema").get("schema");
    int maxTokens = body.path("max_tokens").asInt(body.path("max_completion_tokens").asInt(0));
    return ChatRequest.of(
        model, messages.toString(), turns, tools, formatType.startsWith("json"), schema, maxTokens);
  }

  static String requireModel(JsonNode body) {
    String model = Json.text(body, "model", "");
    if (model.isBlank()) {
      throw new IllegalArgumentException("'model' is required");
    }
    return model;
  }

  @Override
  public String presentedKey(Headers headers) {
    String authorization = headers.getFirst("Authorization");
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return authorization.substring(7).trim();
  }

  @Override
  public JsonNode success(ChatRequest request, Reply reply, long created) {
    ObjectNode message = Json.object().put("role", "assistant");
    if (reply.toolCall() != null) {
      Reply.ToolCall call = reply.toolCall();
      message.putNull("content");
      ObjectNode function =
          Json.object().put("name", call.name()).put("arguments", Json.write(call.arguments()));
      message
          .putArray("tool_calls")
          .addObject()
          .put("id", "call_" + call.id())
          .put("type", "function")
          .set("function", function);
    } else {
      message.put("content", reply.text());
    }
    ObjectNode response =
        Json.object()
            .put("id", "chatcmpl-" + request.digest().substring(0, 24))
            .put("object", "chat.completion")
            .put("created", created)
            .put("model", request.model());
    ArrayNode choices = response.putArray("choices");
    choices
        .addObject()
        .put("index", 0)
        .<ObjectNode>set("message", message)
        .put("finish_reason", finishReason(reply.finish()));
    response
        .putObject("usage")
        .put("prompt_tokens", request.promptTokens())
        .put("completion_tokens", reply.completionTokens())
        .put("total_tokens", request.promptTokens() + reply.completionTokens());
    return response;
  }

  private static String finishReason(Reply.Finish finish) {
    return switch (finish) {
      case STOP -> "stop";
      case LENGTH -> "length";
      case TOOL_CALLS -> "tool_calls";
    };
  }

  @Override
  public Outcome error(FaultKind kind, int promptTokens, int contextLimit) {
    return switch (kind) {
      case RATE_LIMITED -> error(429, "requests", "rate_limit_exceeded", RATE_LIMITED_MESSAGE);
      case QUOTA -> error(429, "insufficient_quota", "insufficient_quota", QUOTA_MESSAGE);
      case SERVER_ERROR ->
          error(
              500,
              "server_error",
              "server_error",
              "The server had an error while processing your request.");
      case UNAVAILABLE ->
          error(
              503, "server_error", "service_unavailable", "The server is temporarily unavailable.");
      case OVERLOADED ->
          error(
              529,
              "server_error",
              "overloaded",
              "The server is overloaded, please try again later.");
      case UNAUTHORIZED ->
          error(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.");
      case CONTEXT ->
          error(
              400,
              "invalid_request_error",
              "context_length_exceeded",
              "This model's maximum context length is "
                  + contextLimit
                  + " tokens. However, your messages resulted in "
                  + promptTokens
                  + " tokens. Please reduce the length of the messages.");
      default -> throw new IllegalArgumentException(kind + " is not an error fault");
    };
  }

  @Override
  public Outcome invalidRequest(String message) {
    return error(400, "invalid_request_error", "invalid_request", message);
  }

  /** The OpenAI error shape, also used by the generic endpoints and for unknown paths. */
  static Outcome error(int status, String type, String code, String message) {
    ObjectNode error = Json.object().put("message", message).put("type", type).put("code", code);
    error.putNull("param");
    return Outcome.json(status, Json.object().set("error", error));
  }
}
