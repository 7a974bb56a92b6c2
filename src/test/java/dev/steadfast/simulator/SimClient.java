package dev.steadfast.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A thin JSON client over java.net.http for talking to the simulator in tests. */
final class SimClient {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String baseUrl;

  SimClient(LlmSimulator sim) {
    this.baseUrl = sim.baseUrl();
  }

  HttpResponse<String> post(String path, String json, String... headers) throws Exception {
    return http.send(request(path, json, Duration.ofSeconds(10), headers), bodyHandler());
  }

  HttpResponse<String> post(String path, JsonNode json, String... headers) throws Exception {
    return post(path, MAPPER.writeValueAsString(json), headers);
  }

  CompletableFuture<HttpResponse<String>> postAsync(
      String path, JsonNode json, Duration timeout, String... headers) throws IOException {
    return http.sendAsync(
        request(path, MAPPER.writeValueAsString(json), timeout, headers), bodyHandler());
  }

  HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(10)).GET();
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), bodyHandler());
  }

  static JsonNode json(HttpResponse<String> response) throws IOException {
    return MAPPER.readTree(response.body());
  }

  static JsonNode json(String text) throws IOException {
    return MAPPER.readTree(text);
  }

  private HttpRequest request(String path, String json, Duration timeout, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return request.build();
  }

  private static HttpResponse.BodyHandler<String> bodyHandler() {
    return HttpResponse.BodyHandlers.ofString();
  }
}
