package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.IntOrString;

/** Runs a step once per item, each item checkpointed when it finishes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ForEach {
  @JsonPropertyDescription(
      "CEL expression yielding the list of items, for example steps['fetch-items'].output.")
  @Required
  @Size(min = 1)
  public String items;

  @JsonPropertyDescription("Items run at the same time, 1 to 64. Default 1.")
  @Min(1)
  @Max(64)
  public Integer concurrency;

  @JsonPropertyDescription(
      "Failed items allowed before the step fails with PartialFailure: a count (3) or a percentage (\"10%\"). Default 0.")
  // Checked by SpecValidator, not by a CEL rule: fabric8 emits no value checks for int-or-string,
  // and a regex over an unbounded string is over the API server's CEL cost budget.
  public IntOrString toleratedFailures;
}
