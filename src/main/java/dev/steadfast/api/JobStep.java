package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** A container run as a Kubernetes Job; its termination message is the output. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class JobStep {
  @JsonPropertyDescription("Container image.")
  @Required
  @Size(min = 1)
  public String image;

  @JsonPropertyDescription("Entrypoint override.")
  public List<String> command;

  @JsonPropertyDescription("Arguments (templated).")
  public List<String> args;

  @JsonPropertyDescription("Environment variables, literal or from Secret keys.")
  public List<JobEnvVar> env;

  @JsonPropertyDescription("Compute resources of the container.")
  public JobResources resources;

  @JsonPropertyDescription("Service account the Job's pod runs as.")
  public String serviceAccountName;

  @JsonPropertyDescription(
      "Exit codes with a fixed classification; other non-zero codes are Recoverable.")
  public ExitCodes exitCodes;

  @JsonPropertyDescription("Limit for the Job's run time in seconds.")
  @Min(1)
  public Long activeDeadlineSeconds;
}
