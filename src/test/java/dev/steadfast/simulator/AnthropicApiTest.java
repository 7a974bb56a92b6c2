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

class AnthropicApiTest {
  private final LlmSimulator sim =
      LlmSimulator.builder().toolScript("claude-scripted", List.of("lookup")).build().start();
  private final SimClient client = new SimClient(sim);

  @AfterEach
  void stop() {
    sim.stop();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/messages", "/messages"})
  void answersInTheMessagesShape(String path) throws Exception {
    HttpResponse<String> response =
        client.post(path, Requests.anthropic("claude-3-5-haiku", "Hello Claude"));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = SimClient.json(response);
    assertThat(body.get("id").asText()).startsWith("msg_");
    assertThat(body.get("type").asText()).isEqualTo("message");
    assertThat(body.get("role").asText()).isEqualTo("assistant");
    assertThat(body.get("model").asText()).isEqualTo("claude-3-5-haiku");
    assertThat(body.get("content")).hasSize(1);
    assertThat(body.at("/content/0/type").asText()).isEqualTo("text");
    assertThat(body.at("/content/0/text").asText()).isEqualTo("Simulated reply to: Hello Claude");
    assertThat(body.get("stop_reason").asText()).isEqualTo("end_turn");
    assertThat(body.at("/usage/input_tokens").asInt()).isEqualTo(3);
    assertThat(body.at("/usage/output_tokens").asInt()).isPositive();
  }

  @Test
  void schemaInTheSystemPromptGetsAValidInstance() throws Exception {
    ObjectNode request = Requests.anthropic("claude-3-5-sonnet", "Classify this");
    request.put(
        "system",
        "You classify.\n"
            + Requests.respondWithSchema(
                "{\"type\":\"object\",\"required\":[\"label\",\"confidence\"],\"properties\":{"
                    + "\"label\":{\"type\":\"string\",\"enum\":[\"spam\",\"ham\"]},"
                    + "\"confidence\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1}}}"));

    JsonNode body = SimClient.json(client.post("/v1/messages", request));
    JsonNode output = SimClient.json(body.at("/content/0/text").asText());

    assertThat(output.get("label").asText()).isEqualTo("spam");
    assertThat(output.get("confidence").isNumber()).isTrue();
    assertThat(output.get("confidence").asDouble()).isBetween(0.0, 1.0);
  }

  @Test
  void systemAsBlocksAndRespondWithJsonWithoutSchema() throws Exception {
    ObjectNode request = Requests.anthropic("claude-3-5-sonnet", "Name a colour");
    request.putArray("system").addObject().put("type", "text").put("text", "Respond with JSON.");

    JsonNode body = SimClient.json(client.post("/v1/messages", request));

    assertThat(SimClient.json(body.at("/content/0/text").asText()).has("answer")).isTrue();
  }

  @Test
  void toolUseThenFinalAnswerQuotingTheToolResult() throws Exception {
    ObjectNode request = Requests.anthropic("claude-3-5-sonnet", "Find the order");
    ObjectNode tool = request.putArray("tools").addObject().put("name", "orders");
    tool.put("description", "looks orders up");
    tool.set(
        "input_schema",
        Requests.schema(
            "{\"type\":\"object\",\"required\":[\"orderId\"],"
                + "\"properties\":{\"orderId\":{\"type\":\"integer\",\"minimum\":100}}}"));

    JsonNode first = SimClient.json(client.post("/v1/messages", request));

    assertThat(first.get("stop_reason").asText()).isEqualTo("tool_use");
    JsonNode use = first.at("/content/0");
    assertThat(use.get("type").asText()).isEqualTo("tool_use");
    assertThat(use.get("id").asText()).startsWith("toolu_");
    assertThat(use.get("name").asText()).isEqualTo("orders");
    assertThat(use.at("/input/orderId").asInt()).isEqualTo(100);

    ArrayNode messages = (ArrayNode) request.get("messages");
    messages.addObject().put("role", "assistant").set("content", first.get("content"));
    ObjectNode result = messages.addObject().put("role", "user").putArray("content").addObject();
    result.put("type", "tool_result").put("tool_use_id", use.get("id").asText());
    result.putArray("content").addObject().put("type", "text").put("text", "order 100: shipped");
    JsonNode second = SimClient.json(client.post("/v1/messages", request));

    assertThat(second.get("stop_reason").asText()).isEqualTo("end_turn");
    assertThat(second.at("/content/0/text").asText()).contains("order 100: shipped");
  }

  @Test
  void toolScriptCallsAToolEvenWhenNoneIsOffered() throws Exception {
    JsonNode body =
        SimClient.json(client.post("/v1/messages", Requests.anthropic("claude-scripted", "Hi")));

    assertThat(body.at("/content/0/name").asText()).isEqualTo("lookup");
    assertThat(body.at("/content/0/input").isObject()).isTrue();
  }

  @Test
  void missingMaxTokensIsAnInvalidRequest() throws Exception {
    ObjectNode request = Requests.anthropic("claude-3-5-sonnet", "Hi");
    request.remove("max_tokens");

    HttpResponse<String> response = client.post("/v1/messages", request);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode body = SimClient.json(response);
    assertThat(body.get("type").asText()).isEqualTo("error");
    assertThat(body.at("/error/type").asText()).isEqualTo("invalid_request_error");
  }
}
