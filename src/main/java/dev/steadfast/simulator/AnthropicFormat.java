package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import java.util.ArrayList;
import java.util.List;

/** The Anthropic Messages format. */
final class AnthropicFormat implements WireFormat {
  private static final String QUOTA_MESSAGE =
      "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing"
          + " to upgrade or purchase credits. (insufficient_quota)";

  @Override
  public String api() {
    return "anthropic";
  }

  @Override
  public ChatRequest parse(JsonNode body) {
    String model = OpenAiFormat.requireModel(body);
    JsonNode messages = body.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw new IllegalArgumentException("messages: field required");
    }
    if (!body.path("max_tokens").canConvertToInt()) {
      throw new IllegalArgumentException("max_tokens: field required");
    }
    List<ChatRequest.Turn> turns = new ArrayList<>();
    if (body.has("system")) {
      turns.add(new ChatRequest.Turn("system", Json.contentText(body.get("system"))));
    }
    for (JsonNode message : messages) {
      String role = Json.text(message, "role", "user");
      JsonNode content = message.get("content");
      if (content == null || !content.isArray()) {
        turns.add(new ChatRequest.Turn(role, Json.contentText(content)));
        continue;
      }
      // Tool results travel inside user messages; they become turns of their own so the reply
      // engine can see them the way it sees OpenAI's role "tool" messages.
      StringBuilder text = new StringBuilder();
      for (JsonNode block : content) {
        switch (Json.text(block, "type", "text")) {
          case "tool_result" ->
              turns.add(new ChatRequest.Turn("tool", Json.contentText(block.get("content"))));
          case "tool_use" -> text.append(Json.write(block.path("input")));
          case "text" -> text.append(Json.text(block, "text", ""));
          default -> {} // images and documents carry no text the simulator reads
        }
      }
      turns.add(new ChatRequest.Turn(role, text.toString()));
    }
    List<ChatRequest.ToolSpec> tools = new ArrayList<>();
    for (JsonNode tool : body.path("tools")) {
      tools.add(
          new ChatRequest.ToolSpec(Json.text(tool, "name", "tool"), tool.get("input_schema")));
    }
    String digestSource = body.path("system").toString() + messages;
    return ChatRequest.of(
        model, digestSource, turns, tools, false, null, body.get("max_tokens").asInt());
  }

  @Override
  public String presentedKey(Headers headers) {
    return headers.getFirst("x-api-key");
  }

  @Override
  public JsonNode success(ChatRequest request, Reply reply, long created) {
    ObjectNode response =
        Json.object()
            .put("id", "msg_" + request.digest().substring(0, 24))
            .put("type", "message")
            .put("role", "assistant")
            .put("model", request.model());
    ObjectNode block = response.putArray("content").addObject();
    if (reply.toolCall() != null) {
      Reply.ToolCall call = reply.toolCall();
      block
          .put("type", "tool_use")
          .put("id", "toolu_" + call.id())
          .put("name", call.name())
          .set("input", call.arguments());
    } else {
      block.put("type", "text").put("text", reply.text());
    }
    response.put("stop_reason", stopReason(reply.finish())).putNull("stop_sequence");
    response
        .putObject("usage")
        .put("input_tokens", request.promptTokens())
        .put("output_tokens", reply.completionTokens());
    return response;
  }

  private static String stopReason(Reply.Finish finish) {
    return switch (finish) {
      case STOP -> "end_turn";
      case LENGTH -> "max_tokens";
      case TOOL_CALLS -> "tool_use";
    };
  }

  @Override
  public Outcome error(FaultKind kind, int promptTokens, int contextLimit) {
    return switch (kind) {
      case RATE_LIMITED ->
          error(429, "rate_limit_error", "Number of requests has exceeded your rate limit.");
      case QUOTA -> error(429, "billing_error", QUOTA_MESSAGE);
      case SERVER_ERROR -> error(500, "api_error", "Internal server error");
      case UNAVAILABLE -> error(503, "api_error", "Service unavailable");
      case OVERLOADED -> error(529, "overloaded_error", "Overloaded");
      case UNAUTHORIZED -> error(401, "authentication_error", "invalid x-api-key");
      case CONTEXT ->
          error(
              400,
              "invalid_request_error",
              "prompt is too long: " + promptTokens + " tokens > " + contextLimit + " maximum");
      default -> throw new IllegalArgumentException(kind + " is not an error fault");
    };
  }

  @Override
  public Outcome invalidRequest(String message) {
    return error(400, "invalid_request_error", message);
  }

  private static Outcome error(int status, String type, String message) {
    ObjectNode body = Json.object().put("type", "error");
    body.putObject("error").put("type", type).put("message", message);
    return Outcome.json(status, body);
  }
}
