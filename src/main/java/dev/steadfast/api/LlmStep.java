package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * One chat completion. Also used, field by field, as an llm fallback merged over the step's llm.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LlmStep {
  /** Some text other than spaces (an OpenAPI pattern matches anywhere in the value). */
  static final String NOT_BLANK = "\\S";

  /** Wire formats. */
  public enum Api {
    openai,
    anthropic
  }

  /** What to do when the prompt exceeds the context window. */
  public enum ContextOverflow {
    Truncate,
    Fail
  }

  /** Output formats. */
  public enum ResponseFormat {
    text,
    json
  }

  @JsonPropertyDescription(
      "Wire format: openai (POST {endpoint}/chat/completions, spoken by vLLM, Ollama, LiteLLM and most gateways) or anthropic (POST {endpoint}/messages). Default openai.")
  public Api api;

  @JsonPropertyDescription(
      "Base URL of the API, for example https://api.openai.com/v1. Templated like an http url:"
          + " the scheme and host come from literal text and inputs only.")
  @Pattern(NOT_BLANK)
  public String endpoint;

  @JsonPropertyDescription("Model name.")
  @Pattern(NOT_BLANK)
  public String model;

  @JsonPropertyDescription("The Secret and key holding the API key.")
  public SecretKeyRef apiKeySecretRef;

  @JsonPropertyDescription("Chat messages (content templated).")
  @Size(min = 1, max = 1000)
  public List<Message> messages;

  @JsonPropertyDescription("Maximum tokens to generate.")
  @Min(1)
  public Integer maxTokens;

  @JsonPropertyDescription("Sampling temperature, 0 to 2.")
  @Min(0)
  @Max(2)
  public Double temperature;

  @JsonPropertyDescription(
      "Context window of the model in tokens; an obviously too-long prompt is trimmed before the call.")
  @Min(1)
  public Integer contextWindow;

  @JsonPropertyDescription(
      "Truncate (default): drop the oldest messages that are neither system messages nor the last user message, then cut the middle out of the longest remaining one, and retry. Fail: fail with ContextOverflow.")
  public ContextOverflow onContextOverflow;

  @JsonPropertyDescription(
      "text (default): the output is the text. json: the output is the parsed JSON.")
  public ResponseFormat responseFormat;

  @JsonPropertyDescription("JSON Schema the parsed output must validate against.")
  @PreserveUnknownFields
  public JsonNode outputSchema;

  @JsonPropertyDescription(
      "On invalid output, ask again this many times with the validation errors appended. Default 2.")
  @Min(0)
  @Max(10)
  public Integer repairAttempts;
}
