package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
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
  // A pattern and a minimum rather than a CEL rule: the API server applies a pattern to strings
  // only and a minimum to numbers only, at no CEL cost (a regex rule over an int-or-string is
  // estimated at the request size and is far over the CRD's cost budget).
  @Pattern(TOLERATED_PATTERN)
  @Min(0)
  public IntOrString toleratedFailures;

  /** A percentage from 0% to 100%, whole numbers only. */
  public static final String TOLERATED_PATTERN = "^([0-9]{1,2}|100)%$";
}
