package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A metav1.Condition-shaped condition following kstatus. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition {
  @JsonPropertyDescription("Ready, Reconciling, Stalled or Degraded.")
  @Required
  public String type;

  @JsonPropertyDescription("True, False or Unknown.")
  @Required
  public String status;

  @JsonPropertyDescription("The metadata.generation this condition was set for.")
  public Long observedGeneration;

  @JsonPropertyDescription("When status last changed (RFC 3339).")
  public String lastTransitionTime;

  @JsonPropertyDescription("CamelCase reason for the condition's last change.")
  public String reason;

  @JsonPropertyDescription("Human-readable details.")
  public String message;
}
