package dev.steadfast.engine;

import dev.steadfast.api.AttemptRecord;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.api.Usage;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.exec.TokenUsage;
import dev.steadfast.engine.format.GoDuration;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;

/**
 * The bounded attempt history of a step (status.steps[].history): the last {@link #LIMIT} attempts,
 * older ones only counted. It lives in status, which is the checkpoint, so it survives a restart;
 * the bound keeps a step that retries for hours from growing the object past what the API server
 * accepts.
 */
final class AttemptHistory {
  /** Attempts kept per step: enough to see a retry storm's shape, small enough for status. */
  static final int LIMIT = 10;

  /**
   * A history entry's message is a hint, lastError has the full text: 200 characters keep ten
   * entries per step well below the inline output size.
   */
  static final int MESSAGE_CHARS = 200;

  private AttemptHistory() {}

  /**
   * Appends what {@code attempt} came to. {@code outcome} is already redacted (the fold masks it
   * before anything else sees it), so the message carries no resolved value, as with lastError.
   */
  static void record(
      StepStatus step,
      Attempt attempt,
      Outcome outcome,
      UnitCheckpoint unit,
      BigDecimal cost,
      Instant now) {
    if (cleanFirstSuccess(attempt, outcome)) {
      return;
    }
    AttemptRecord r = new AttemptRecord();
    r.at = now.toString();
    r.attempt = attempt.number();
    r.item = attempt.item();
    r.fallback = attempt.fallback();
    if (outcome instanceof Outcome.Failed f) {
      Failure failure = f.failure();
      r.outcome = "Failed";
      r.tier = failure.tier();
      r.reason = failure.reason();
      r.code = failure.code();
      r.message = shorten(failure.message());
    } else {
      r.outcome = outcome instanceof Outcome.Success ? "Succeeded" : "Progress";
    }
    if (unit != null && !unit.phase.isFinal() && unit.nextAttemptAt != null) {
      r.nextAttemptAt = unit.nextAttemptAt;
      // The backoff was scheduled a moment before this line is written: to the nearest 10ms, a
      // backoff of 1s reads 1s, not 999ms.
      long ms = Duration.between(now, Instant.parse(unit.nextAttemptAt)).toMillis();
      r.wait = ms < 0 ? null : GoDuration.format(Duration.ofMillis(Math.round(ms / 10.0) * 10));
    }
    TokenUsage used = outcome.usage();
    if (used != null) {
      r.usage =
          new Usage(
              used.inputTokens(), used.outputTokens(), cost == null ? null : Ledger.plain(cost));
    }
    append(step, r);
  }

  /**
   * A first attempt that succeeded, from the step itself: the step's own attempts, completedAt and
   * usage say all its line would, so it has none (`describe` shows it from them). Most steps are
   * this, and each line would be sent with every later write of the task.
   */
  static boolean cleanFirstSuccess(Attempt attempt, Outcome outcome) {
    return outcome instanceof Outcome.Success
        && attempt.number() == 1
        && attempt.fallback() == null;
  }

  /** Adds {@code r}, dropping (and counting) the oldest entries beyond {@link #LIMIT}. */
  static void append(StepStatus step, AttemptRecord r) {
    if (step.history == null) {
      step.history = new ArrayList<>();
    }
    step.history.add(r);
    while (step.history.size() > LIMIT) {
      step.history.remove(0);
      step.historyDropped = (step.historyDropped == null ? 0 : step.historyDropped) + 1;
    }
  }

  private static String shorten(String message) {
    if (message == null || message.length() <= MESSAGE_CHARS) {
      return message;
    }
    return message.substring(0, MESSAGE_CHARS - 1) + "…";
  }
}
