package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** Where a forked task started from: recorded once, so the carried steps are never seeded again. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ForkOrigin {
  @JsonPropertyDescription("The task (same namespace) whose checkpoint this one started from.")
  public String task;

  @JsonPropertyDescription(
      "The step this task ran from; the finished steps before it were carried.")
  public String step;

  @JsonPropertyDescription(
      "The finished steps carried with their outputs, never called again by this task.")
  public List<String> carried = new ArrayList<>();
}
