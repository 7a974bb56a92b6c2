package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** A tool-calling loop: call the model, run the tools it asks for, repeat until it answers. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentStep {
  @JsonPropertyDescription("The model and conversation, as for an llm step.")
  @Required
  @RequiredFields({"endpoint", "model", "messages"})
  public LlmStep llm;

  @JsonPropertyDescription("Tools the model may call (at most 32); each is an HTTP call.")
  @Size(max = 32)
  @ListMapKeys("name")
  public List<Tool> tools;

  @JsonPropertyDescription("Maximum model calls before the loop is stopped. Default 20.")
  @Min(1)
  @Max(1000)
  public Integer maxIterations;
}
