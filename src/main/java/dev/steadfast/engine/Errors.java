package dev.steadfast.engine;

import dev.steadfast.api.ErrorInfo;
import dev.steadfast.api.Step;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.expr.ExpressionException;
import java.time.Instant;

/** How a failure is written into status (lastError) and messages: docs/errors.md, at most 1 KiB. */
final class Errors {
  private Errors() {}

  static ErrorInfo info(Failure f, Instant now) {
    return new ErrorInfo(f.tier(), f.reason(), truncate(f.message()), f.code(), now.toString());
  }

  /** "RateLimited (429)": the reason with the status code, when there is one. */
  static String reasonText(Failure f) {
    return f.reason() + (f.code() == null ? "" : " (" + f.code() + ")");
  }

  static String truncate(String s) {
    if (s == null) {
      return null;
    }
    return s.length() <= 1024 ? s : s.substring(0, 1021) + "...";
  }

  /** A step's expression that does not evaluate: the spec is wrong, not the world. */
  static Failure invalidSpec(Step step, ExpressionException e) {
    return invalidSpec(step.name + ": expression " + e.expression() + ": " + e.getMessage());
  }

  static Failure invalidSpec(String message) {
    return Failure.of(Tier.Fatal, Reason.InvalidSpec.name(), message);
  }
}
