package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Progress of a forEach step. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ItemCounts {
  @JsonPropertyDescription("Number of items.")
  public Integer total;

  @JsonPropertyDescription("Items that succeeded.")
  public Integer succeeded;

  @JsonPropertyDescription("Items that failed.")
  public Integer failed;
}
