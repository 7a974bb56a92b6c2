package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.Map;

/** Requests and limits of a job container, as Kubernetes quantities. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class JobResources {
  @JsonPropertyDescription("Minimum resources, for example {cpu: 500m, memory: 1Gi}.")
  public Map<String, IntOrString> requests;

  @JsonPropertyDescription("Maximum resources, for example {memory: 2Gi}.")
  public Map<String, IntOrString> limits;
}
