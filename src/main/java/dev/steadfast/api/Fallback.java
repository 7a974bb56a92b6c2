package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * One alternative of a fallback chain: exactly one of llm, http, cache or value, and optionally
 * onFatal.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
// `value` is free-form JSON, which CEL cannot see: the rule says "not two of the others", and the
// schema's minProperties/maxProperties of 1 (from @Size on Step.fallbacks' element type) say
// "exactly one", value included.
@ValidationRule(
    value = "(has(self.llm) ? 1 : 0) + (has(self.http) ? 1 : 0) + (has(self.cache) ? 1 : 0) <= 1",
    message = "a fallback must set exactly one of llm, http, cache or value",
    reason = "FieldValueInvalid")
public class Fallback {
  @JsonPropertyDescription(
      "An llm call whose fields are merged over the step's llm (for example a cheaper model).")
  public LlmStep llm;

  @JsonPropertyDescription("An alternative HTTP call.")
  public HttpStep http;

  @JsonPropertyDescription(
      "The last successful output of this step for the same resolved request, from the response cache.")
  public CacheFallback cache;

  @JsonPropertyDescription("A fixed value used as the output.")
  @PreserveUnknownFields
  public JsonNode value;

  @JsonPropertyDescription(
      "Fatal reasons this fallback is tried for (for example [QuotaExhausted, NotFound]). A fatal"
          + " error skips every fallback that does not list its reason: the step fails and the"
          + " task stalls so that a person can act.")
  public java.util.List<String> onFatal;

  /** Whether this fallback opted in to the fatal {@code reason}. */
  public boolean takesFatal(String reason) {
    return onFatal != null && onFatal.contains(reason);
  }

  /** Marker for the cache fallback; it has no settings yet. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CacheFallback {
    @JsonPropertyDescription("Oldest cached output accepted (for example 24h). Default: any age.")
    @io.fabric8.generator.annotation.Pattern(Durations.PATTERN)
    public String maxAge;
  }

  /** Display name for status and events, such as "llm", "cache" or "value". */
  public String kind() {
    if (llm != null) return "llm";
    if (http != null) return "http";
    if (cache != null) return "cache";
    return "value";
  }
}
