package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A user rule classifying a failed response before the built-in table. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClassifyRule {
  @JsonPropertyDescription(
      "CEL boolean over `response` ({status, headers, body as text}) and `error` ({kind, message}).")
  @Required
  @Size(min = 1)
  public String when;

  @JsonPropertyDescription("Transient, Recoverable or Fatal.")
  @Required
  public Tier tier;

  @JsonPropertyDescription("CamelCase reason recorded in status and events.")
  @Required
  @Pattern("^[A-Z][A-Za-z0-9]*$")
  public String reason;
}
