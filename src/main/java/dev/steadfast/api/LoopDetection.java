package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

/** Stops a step that keeps repeating the same failing action. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LoopDetection {
  @JsonPropertyDescription(
      "The same action (step, item, request, failure reason) failing this many times in a row is LoopDetected. Default 5.")
  @Min(2)
  public Integer maxIdenticalFailures;
}
