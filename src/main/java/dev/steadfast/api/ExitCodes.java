package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Classification of a job container's exit codes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExitCodes {
  @JsonProperty("transient")
  @JsonPropertyDescription("Exit codes retried with backoff.")
  public List<Integer> transientCodes;

  @JsonPropertyDescription("Exit codes that stop the task.")
  public List<Integer> fatal;
}
