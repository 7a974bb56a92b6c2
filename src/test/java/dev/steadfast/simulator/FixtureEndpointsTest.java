package dev.steadfast.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FixtureEndpointsTest {
  private final LlmSimulator sim =
      LlmSimulator.builder().schedule("503", 1, 1, "http").retryAfterSeconds(2).build().start();
  private final SimClient client = new SimClient(sim);

  @AfterEach
  void stop() {
    sim.stop();
  }

  @Test
  void itemsGoThroughTheScheduleAsModelHttp() throws Exception {
    HttpResponse<String> first = client.get("/items?count=2");
    HttpResponse<String> second = client.get("/items?count=2");

    assertThat(first.statusCode()).isEqualTo(503);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(SimClient.json(second))
        .isEqualTo(
            SimClient.json(
                "{\"items\":[{\"id\":1,\"title\":\"Item 1\"},{\"id\":2,\"title\":\"Item 2\"}]}"));
    assertThat(sim.requests()).extracting(RecordedRequest::model).containsExactly("http", "http");
  }

  @Test
  void echoReturnsTheBodyAndTheIdempotencyKey() throws Exception {
    client.get("/items"); // spends the scheduled 503

    HttpResponse<String> response =
        client.post("/echo", "{\"a\":[1,2]}", "Idempotency-Key", "task/echo/-/1");

    JsonNode body = SimClient.json(response);
    assertThat(body.get("echo")).isEqualTo(SimClient.json("{\"a\":[1,2]}"));
    assertThat(body.get("idempotencyKey").asText()).isEqualTo("task/echo/-/1");
    assertThat(sim.requestsWithKey("task/echo/-/1")).hasSize(1);
  }

  @Test
  void badCountIs400AndNotAScheduledCall() throws Exception {
    assertThat(client.get("/items?count=lots").statusCode()).isEqualTo(400);

    assertThat(client.get("/items").statusCode()).isEqualTo(503);
  }
}
