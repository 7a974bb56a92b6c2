package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Map;

/** An HTTP call whose response becomes the step output. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HttpStep {
  /** HTTP methods a step may use. */
  public enum Method {
    GET,
    POST,
    PUT,
    PATCH,
    DELETE,
    HEAD
  }

  @JsonPropertyDescription("HTTP method. Default GET.")
  public Method method;

  @JsonPropertyDescription(
      "Target URL (templated). Values after the host are percent-encoded; the scheme and host come"
          + " from literal text and inputs only, never from step outputs, items or tool arguments.")
  @Required
  @Size(min = 1)
  public String url;

  @JsonPropertyDescription("Request headers (values templated).")
  public Map<String, String> headers;

  @JsonPropertyDescription(
      "Request body: a string or an object (templated); objects are sent as JSON.")
  @PreserveUnknownFields
  public JsonNode body;

  @JsonPropertyDescription("Credentials read from a Secret and sent with the request.")
  public HttpAuth auth;

  @JsonPropertyDescription("Status codes that count as success. Default 200-299.")
  public List<@Min(100) @Max(599) Integer> successCodes;

  @JsonPropertyDescription("How the response becomes the step output.")
  public HttpOutput output;
}
