package dev.steadfast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a task; also the checkpoint a restarted operator resumes from. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentTaskStatus {
  @JsonPropertyDescription("The metadata.generation this status reflects.")
  public Long observedGeneration;

  @JsonPropertyDescription("Pending, Running, Waiting, Suspended, Succeeded or Failed.")
  public TaskPhase phase;

  @JsonPropertyDescription("Name of the step being worked on.")
  public String currentStep;

  @JsonPropertyDescription("Attempts made by the whole task.")
  public Integer attempts;

  @JsonPropertyDescription("When the first attempt started (RFC 3339).")
  public String startedAt;

  @JsonPropertyDescription("When the task finished (RFC 3339).")
  public String completedAt;

  @JsonPropertyDescription(
      "When the next attempt is due, during a backoff or an open breaker (RFC 3339).")
  public String nextAttemptAt;

  @JsonPropertyDescription("Human-readable summary of the current state.")
  public String message;

  @JsonPropertyDescription(
      "Tokens the task's model calls used as their providers reported them (failed attempts and repairs included), and their cost.")
  public Usage usage;

  @JsonPropertyDescription("Per-step state, in spec order.")
  public List<StepStatus> steps = new ArrayList<>();

  /**
   * Stored by the API server as written, unvalidated (the CRD says only "an object"): it is the
   * operator's own record, written by it alone and read back by it alone, and the API server would
   * otherwise validate and prune every one of its fields again on every status write, a tenth of
   * what a write costs it (docs/status.md). Read leniently: a checkpoint that does not parse is no
   * checkpoint, never an error that would stop the operator's informer.
   */
  @JsonPropertyDescription(
      "What a restarted operator needs to resume without redoing finished work: the operator's own record, which the API server stores as written.")
  @SchemaFrom(type = Checkpoint.Opaque.class)
  @JsonDeserialize(using = Checkpoint.Lenient.class)
  public Checkpoint checkpoint;

  @JsonPropertyDescription(
      "The task this one was forked from and the finished steps it carried; set once, when the fork starts.")
  public ForkOrigin forkedFrom;

  @JsonPropertyDescription("Ready, Reconciling, Stalled and Degraded, following kstatus.")
  public List<Condition> conditions = new ArrayList<>();
}
