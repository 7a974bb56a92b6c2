package dev.steadfast.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OpenAiApiTest {
  private static final String SCHEMA =
      """
      {"type":"object","required":["summary","score","tags"],"properties":{
       "summary":{"type":"string","minLength":5},"score":{"type":"integer","minimum":1,"maximum":5},
       "tags":{"type":"array","items":{"type":"string"},"minItems":2},"extra":{"type":"string"}}}""";

  private final LlmSimulator sim =
      LlmSimulator.builder().toolScript("scripted", List.of("search", "fetch")).build().start();
  private final SimClient client = new SimClient(sim);

  @AfterEach
  void stop() {
    sim.stop();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/chat/completions", "/chat/completions"})
  void answersInTheChatCompletionShape(String path) throws Exception {
    HttpResponse<String> response =
        client.post(path, Requests.openAi("gpt-4o-mini", "Hello there"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode body = SimClient.json(response);
    assertThat(body.get("id").asText()).startsWith("chatcmpl-");
    assertThat(body.get("object").asText()).isEqualTo("chat.completion");
    assertThat(body.get("created").asLong()).isPositive();
    assertThat(body.get("model").asText()).isEqualTo("gpt-4o-mini");
    JsonNode choice = body.get("choices").get(0);
    assertThat(choice.get("index").asInt()).isZero();
    assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
    assertThat(choice.at("/message/role").asText()).isEqualTo("assistant");
    assertThat(choice.at("/message/content").asText()).isEqualTo("Simulated reply to: Hello there");
    JsonNode usage = body.get("usage");
    assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(3); // 11 chars / 4, rounded up
    assertThat(usage.get("total_tokens").asInt())
        .isEqualTo(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt());
  }

  @Test
  void sameRequestSameReply() throws Exception {
    ObjectNode request = Requests.openAi("gpt-4o-mini", "x".repeat(100));

    JsonNode first = SimClient.json(client.post("/v1/chat/completions", request));
    JsonNode second = SimClient.json(client.post("/v1/chat/completions", request));

    assertThat(second.get("id")).isEqualTo(first.get("id"));
    assertThat(second.get("choices")).isEqualTo(first.get("choices"));
    assertThat(first.at("/choices/0/message/content").asText())
        .isEqualTo("Simulated reply to: " + "x".repeat(60));
  }

  @Test
  void responseFormatJsonSchemaGetsAValidInstance() throws Exception {
    ObjectNode request = Requests.openAi("gpt-4o", "Summarise");
    ObjectNode format = request.putObject("response_format").put("type", "json_schema");
    format.putObject("json_schema").put("name", "summary").set("schema", Requests.schema(SCHEMA));

    JsonNode output = content(client.post("/v1/chat/completions", request));

    assertThat(output.get("summary").asText()).hasSizeGreaterThanOrEqualTo(5);
    assertThat(output.get("score").isInt()).isTrue();
    assertThat(output.get("score").asInt()).isBetween(1, 5);
    assertThat(output.get("tags")).hasSize(2).allMatch(JsonNode::isTextual);
    assertThat(output.has("extra")).isFalse();
  }

  @Test
  void schemaAfterTheMarkerInTheSystemPromptIsHonoured() throws Exception {
    ObjectNode request =
        Requests.openAi("gpt-4o", "You summarise. " + Requests.respondWithSchema(SCHEMA), "Go");

    JsonNode output = content(client.post("/v1/chat/completions", request));

    assertThat(output.fieldNames()).toIterable().containsExactly("summary", "score", "tags");
  }

  @Test
  void jsonObjectWithoutSchemaAnswersWithAnAnswerField() throws Exception {
    ObjectNode request = Requests.openAi("gpt-4o", "Capital of France?");
    request.putObject("response_format").put("type", "json_object");

    JsonNode output = content(client.post("/v1/chat/completions", request));

    assertThat(output.get("answer").asText()).contains("Capital of France?");
  }

  @Test
  void firstCallWithToolsCallsTheFirstToolThenQuotesItsResult() throws Exception {
    ObjectNode request = Requests.openAi("gpt-4o", "What is the weather?");
    addTool(
        request,
        "weather",
        "{\"type\":\"object\",\"required\":[\"city\"],"
            + "\"properties\":{\"city\":{\"type\":\"string\"}}}");
    addTool(request, "other", "{\"type\":\"object\"}");

    JsonNode first = SimClient.json(client.post("/v1/chat/completions", request));

    JsonNode choice = first.at("/choices/0");
    assertThat(choice.get("finish_reason").asText()).isEqualTo("tool_calls");
    JsonNode call = choice.at("/message/tool_calls/0");
    assertThat(call.get("id").asText()).startsWith("call_");
    assertThat(call.get("type").asText()).isEqualTo("function");
    assertThat(call.at("/function/name").asText()).isEqualTo("weather");
    JsonNode arguments = SimClient.json(call.at("/function/arguments").asText());
    assertThat(arguments.get("city").isTextual()).isTrue();

    ArrayNode messages = (ArrayNode) request.get("messages");
    messages
        .addObject()
        .put("role", "assistant")
        .putNull("content")
        .set("tool_calls", choice.at("/message/tool_calls"));
    messages
        .addObject()
        .put("role", "tool")
        .put("tool_call_id", call.get("id").asText())
        .put("content", "{\"city\":\"Paris\",\"temperature\":21}");
    JsonNode second = SimClient.json(client.post("/v1/chat/completions", request));

    assertThat(second.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(second.at("/choices/0/message/content").asText())
        .contains("{\"city\":\"Paris\",\"temperature\":21}");
  }

  @Test
  void toolScriptCallsToolsInOrderOnePerCall() throws Exception {
    ObjectNode request = Requests.openAi("scripted", "Research this");
    addTool(
        request, "fetch", "{\"type\":\"object\",\"properties\":{\"url\":{\"format\":\"uri\"}}}");
    addTool(
        request, "search", "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}");
    ArrayNode messages = (ArrayNode) request.get("messages");

    JsonNode first = SimClient.json(client.post("/v1/chat/completions", request));
    messages.addObject().put("role", "tool").put("tool_call_id", "1").put("content", "found it");
    JsonNode second = SimClient.json(client.post("/v1/chat/completions", request));
    messages.addObject().put("role", "tool").put("tool_call_id", "2").put("content", "page text");
    JsonNode third = SimClient.json(client.post("/v1/chat/completions", request));

    assertThat(first.at("/choices/0/message/tool_calls/0/function/name").asText())
        .isEqualTo("search");
    assertThat(second.at("/choices/0/message/tool_calls/0/function/name").asText())
        .isEqualTo("fetch");
    assertThat(
            SimClient.json(second.at("/choices/0/message/tool_calls/0/function/arguments").asText())
                .get("url")
                .asText())
        .startsWith("https://");
    assertThat(third.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(third.at("/choices/0/message/content").asText()).contains("page text");
  }

  @Test
  void unreadableRequestsGet400InTheOpenAiShape() throws Exception {
    HttpResponse<String> notJson = client.post("/v1/chat/completions", "{nope");
    HttpResponse<String> noModel = client.post("/v1/chat/completions", "{\"messages\":[]}");

    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(SimClient.json(notJson).at("/error/type").asText())
        .isEqualTo("invalid_request_error");
    assertThat(noModel.statusCode()).isEqualTo(400);
    assertThat(SimClient.json(noModel).at("/error/message").asText()).contains("model");
  }

  private static void addTool(ObjectNode request, String name, String parameters) {
    ArrayNode tools =
        request.has("tools") ? (ArrayNode) request.get("tools") : request.putArray("tools");
    ObjectNode function = tools.addObject().put("type", "function").putObject("function");
    function.put("name", name).put("description", "the " + name + " tool");
    function.set("parameters", Requests.schema(parameters));
  }

  private static JsonNode content(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).isEqualTo(200);
    return SimClient.json(SimClient.json(response).at("/choices/0/message/content").asText());
  }
}
