package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** How an HTTP response becomes the step output. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HttpOutput {
  /** Response body formats. */
  public enum Format {
    json,
    text
  }

  @JsonPropertyDescription("Parse the body as json or keep it as text. Default json.")
  public Format format;

  @JsonPropertyDescription(
      "CEL expression over `response` ({status, headers, body}) selecting the output, for example response.body.items.")
  public String select;
}
