package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A tool offered to the model, executed as an HTTP call with the model's arguments as `args`. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Tool {
  @JsonPropertyDescription("Tool name as the model sees it.")
  @Required
  @Size(min = 1, max = 64)
  @Pattern("^[a-zA-Z0-9_-]{1,64}$")
  public String name;

  @JsonPropertyDescription("What the tool does, for the model.")
  public String description;

  @JsonPropertyDescription("JSON Schema of the tool's arguments.")
  @PreserveUnknownFields
  public JsonNode parameters;

  @JsonPropertyDescription(
      "The HTTP call that runs the tool; the arguments are visible as `args` in templates.")
  @Required
  public HttpStep http;
}
