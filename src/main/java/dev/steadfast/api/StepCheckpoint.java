package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** Resume state of one step. */
// Fields a later version added are skipped: the API server stores the checkpoint as written.
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StepCheckpoint {
  @JsonPropertyDescription("Step name.")
  public String name;

  @JsonPropertyDescription(
      "First 128 bits (hex) of the SHA-256 of the step definition; a changed definition re-runs the step.")
  public String definitionHash;

  @JsonPropertyDescription(
      "Resume state of the step's units: one for a plain step, one per item for forEach.")
  public List<UnitCheckpoint> units = new ArrayList<>();

  public StepCheckpoint() {}

  public StepCheckpoint(String name, String definitionHash) {
    this.name = name;
    this.definitionHash = definitionHash;
  }
}
