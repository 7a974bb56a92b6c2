package dev.steadfast.tracing;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.StepStatus;
import java.util.HashSet;
import java.util.Set;

/**
 * What a checkpoint shows finished: the steps (by name and start) and whether the task is. A driver
 * keeps the one of the checkpoint it loaded, and spans are recorded for what finished since.
 */
public record Finished(Set<String> steps, boolean task) {
  public static final Finished NOTHING = new Finished(Set.of(), false);

  public static Finished of(AgentTaskStatus status) {
    if (status == null) {
      return NOTHING;
    }
    Set<String> steps = new HashSet<>();
    for (StepStatus s : status.steps) {
      if (s.phase != null && s.phase.isFinal()) {
        steps.add(key(s));
      }
    }
    return new Finished(Set.copyOf(steps), status.phase != null && status.phase.isFinal());
  }

  static String key(StepStatus s) {
    return s.name + "@" + s.startedAt;
  }
}
