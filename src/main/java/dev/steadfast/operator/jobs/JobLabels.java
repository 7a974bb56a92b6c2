package dev.steadfast.operator.jobs;

/**
 * The labels a job step's Jobs carry and the name of their step container, for tools that look for
 * them (steadfast logs).
 */
public final class JobLabels {
  public static final String TASK = JobManifests.TASK_LABEL;
  public static final String STEP = JobManifests.STEP_LABEL;

  /** The name of the container that runs the step in a job step's Pod. */
  public static final String CONTAINER = JobManifests.CONTAINER;

  private JobLabels() {}

  /** The label value for a task or step name (hashed when longer than a label allows). */
  public static String value(String name) {
    return JobNames.labelValue(name);
  }
}
