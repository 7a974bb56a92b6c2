package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A classified failure, as recorded in status. */
// Fields a later version added are skipped: the API server stores the checkpoint as written.
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ErrorInfo {
  @JsonPropertyDescription("Transient, Recoverable or Fatal.")
  public Tier tier;

  @JsonPropertyDescription("CamelCase reason from the error taxonomy or a classify rule.")
  public String reason;

  @JsonPropertyDescription(
      "What happened; never contains secret values or more than 1 KiB of a body.")
  public String message;

  @JsonPropertyDescription("HTTP status code or exit code, when there was one.")
  public Integer code;

  @JsonPropertyDescription("When it happened (RFC 3339).")
  public String at;

  public ErrorInfo() {}

  public ErrorInfo(Tier tier, String reason, String message, Integer code, String at) {
    this.tier = tier;
    this.reason = reason;
    this.message = message;
    this.code = code;
    this.at = at;
  }
}
