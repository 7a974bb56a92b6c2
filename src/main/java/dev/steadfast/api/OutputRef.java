package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Location of an output too large for status. */
// Fields a later version added are skipped: the API server stores the checkpoint as written.
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OutputRef {
  @JsonPropertyDescription("ConfigMap (owned by the task) holding the output.")
  public String configMap;

  @JsonPropertyDescription("Key within the ConfigMap.")
  public String key;

  @JsonPropertyDescription("SHA-256 of the stored JSON, hex.")
  public String sha256;
}
