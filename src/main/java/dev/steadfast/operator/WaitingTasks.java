package dev.steadfast.operator;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.TaskPhase;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tasks that are Waiting, each with the time its current step started, for
 * steadfast_waiting_oldest_seconds. A task waits between the attempts of one step (backoff, an open
 * breaker, a rate limit) and is Running for each attempt in between; the step's start time does not
 * move with those flips, so a step that keeps retrying or waiting looks as old as it is. Read from
 * the checkpoint the operator just wrote or loaded: no API call, and a restarted operator sees the
 * same ages as the one before.
 */
final class WaitingTasks {
  private final Map<ResourceID, Since> waiting = new ConcurrentHashMap<>();

  private record Since(String namespace, Instant at) {}

  /** Records the task's phase after a checkpoint: kept while Waiting, dropped otherwise. */
  void note(ResourceID id, AgentTaskStatus status) {
    Instant since = status == null || status.phase != TaskPhase.Waiting ? null : since(status);
    if (since == null) {
      waiting.remove(id);
    } else {
      waiting.put(id, new Since(id.getNamespace().orElse(""), since));
    }
  }

  void forget(ResourceID id) {
    waiting.remove(id);
  }

  /** Per namespace with a Waiting task: how long the oldest one's current step has been going. */
  Map<String, Duration> oldestByNamespace(Instant now) {
    Map<String, Duration> oldest = new HashMap<>();
    for (Since s : waiting.values()) {
      Duration age = Duration.between(s.at(), now);
      oldest.merge(
          s.namespace(),
          age.isNegative() ? Duration.ZERO : age,
          (a, b) -> a.compareTo(b) >= 0 ? a : b);
    }
    return oldest;
  }

  /** The current step's startedAt; the task's when the step has none (it never started). */
  private static Instant since(AgentTaskStatus status) {
    String at = null;
    if (status.currentStep != null && status.steps != null) {
      for (StepStatus s : status.steps) {
        if (status.currentStep.equals(s.name)) {
          at = s.startedAt;
        }
      }
    }
    Instant parsed = parse(at);
    return parsed != null ? parsed : parse(status.startedAt);
  }

  private static Instant parse(String at) {
    if (at == null) {
      return null;
    }
    try {
      return Instant.parse(at);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
