package dev.steadfast.engine;

import dev.steadfast.api.AgentTaskSpec;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Checkpoint;
import dev.steadfast.api.Step;
import dev.steadfast.api.StepCheckpoint;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.format.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * A fork: a new task that starts from another task's checkpoint. The finished steps before the step
 * it runs from are copied into its empty status; then the rule of a changed spec ({@link
 * Checkpoints#prepare}) decides, as for any task, which of them it keeps: those whose definition
 * (and inputs) did not change. Plain status objects only; reading the source is the driver's part.
 */
public final class Forks {
  private Forks() {}

  /** The source's first step that did not finish (its last good step's successor), or null. */
  public static String defaultFrom(AgentTaskSpec spec, AgentTaskStatus source) {
    for (Step step : spec.steps) {
      StepStatus ss = source == null ? null : step(source, step.name);
      if (ss == null || !finished(ss)) {
        return step.name;
      }
    }
    return null;
  }

  /**
   * The finished steps of {@code source} before {@code from}, in {@code spec} order, that a fork
   * carries: the run of finished steps from the first one on (a later step depends on the earlier
   * ones, so what follows a step that did not finish runs again anyway).
   */
  public static List<String> carried(AgentTaskSpec spec, AgentTaskStatus source, String from) {
    List<String> names = new ArrayList<>();
    for (Step step : spec.steps) {
      if (step.name.equals(from)) {
        break;
      }
      StepStatus ss = step(source, step.name);
      if (ss == null || !finished(ss) || checkpoint(source, step.name) == null) {
        break;
      }
      names.add(step.name);
    }
    return names;
  }

  /**
   * Copies into {@code status} (a new task's, nothing run yet) the source's statuses and
   * checkpoints of the {@link #carried} steps, their outputs inline: the driver read back what the
   * source stored elsewhere and stores it again as the fork's own. A step whose output could not be
   * read back (its ConfigMap is gone) ends what is carried. The task's usage is not carried: the
   * fork's budget starts fresh; each carried step keeps its own usage, as information. Returns the
   * names copied.
   */
  static List<String> seed(
      AgentTaskSpec spec, AgentTaskStatus status, AgentTaskStatus source, String from) {
    List<StepStatus> steps = new ArrayList<>();
    List<StepCheckpoint> checkpoints = new ArrayList<>();
    for (String name : carried(spec, source, from)) {
      StepStatus ss = Json.copy(step(source, name), StepStatus.class);
      StepCheckpoint cp = Json.copy(checkpoint(source, name), StepCheckpoint.class);
      if (!readBack(ss, cp)) {
        break;
      }
      steps.add(ss);
      checkpoints.add(cp);
    }
    status.steps = steps;
    status.checkpoint = new Checkpoint();
    // No specHash: the next prepare compares each step's definition with the fork's spec and
    // keeps what did not change, without telling of a "spec change" the fork never had.
    status.checkpoint.steps = checkpoints;
    return steps.stream().map(s -> s.name).toList();
  }

  /** Drops the references to the source's stored outputs; false when one was not read back. */
  private static boolean readBack(StepStatus ss, StepCheckpoint cp) {
    if (ss.outputRef != null && ss.output == null) {
      return false;
    }
    ss.outputRef = null;
    for (UnitCheckpoint u : cp.units) {
      if (u.outputRef != null && u.output == null) {
        return false;
      }
      u.outputRef = null;
      // A finished unit's transcript is a record, not needed to resume: kept when read back.
      u.transcriptRef = null;
      u.inFlight = null;
    }
    return true;
  }

  static boolean finished(StepStatus ss) {
    return ss.phase == StepPhase.Succeeded || ss.phase == StepPhase.Skipped;
  }

  private static StepStatus step(AgentTaskStatus status, String name) {
    return status.steps.stream().filter(s -> s.name.equals(name)).findFirst().orElse(null);
  }

  private static StepCheckpoint checkpoint(AgentTaskStatus status, String name) {
    return status.checkpoint == null
        ? null
        : status.checkpoint.steps.stream()
            .filter(s -> s.name.equals(name))
            .findFirst()
            .orElse(null);
  }
}
