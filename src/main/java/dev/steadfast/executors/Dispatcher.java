package dev.steadfast.executors;

import dev.steadfast.api.Tier;
import dev.steadfast.engine.Reason;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes each call to the executor for its kind; a kind without one fails as unsupported. */
public final class Dispatcher implements Executor {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  // Enough frames to find the bug; a stack of a deep framework call adds little after that.
  private static final int FRAMES = 40;

  private final Map<Class<? extends Call>, Executor> executors;

  public Dispatcher(Map<Class<? extends Call>, Executor> executors) {
    this.executors = Map.copyOf(executors);
  }

  @Override
  public Outcome execute(AttemptRequest request) {
    Executor e = executors.get(request.call().getClass());
    if (e == null) {
      return new Outcome.Failed(
          Failure.of(
              Tier.Fatal,
              Reason.InvalidSpec.name(),
              request.call().getClass().getSimpleName() + " is not supported here"));
    }
    try {
      return e.execute(request);
    } catch (RuntimeException ex) {
      // An executor bug must not kill the driver: it becomes a retryable failure. It is logged
      // with its stack so that it can be found, but without any exception's message, which may
      // hold what the call carried (a Secret's value, a reply).
      LOG.warn(
          "{} failed on a {} call (exception messages left out):{}",
          e.getClass().getSimpleName(),
          request.call().getClass().getSimpleName(),
          stackWithoutMessages(ex));
      return new Outcome.Failed(
          Failure.of(
              Tier.Transient,
              Reason.NetworkError.name(),
              "executor error: " + ex.getClass().getSimpleName()));
    }
  }

  /** Class names and frames of {@code ex} and its causes, never their messages. */
  static String stackWithoutMessages(Throwable ex) {
    StringBuilder out = new StringBuilder();
    String prefix = "\n";
    for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
      out.append(prefix).append(t.getClass().getName());
      StackTraceElement[] frames = t.getStackTrace();
      for (int i = 0; i < Math.min(frames.length, FRAMES); i++) {
        out.append("\n\tat ").append(frames[i]);
      }
      if (frames.length > FRAMES) {
        out.append("\n\t... ").append(frames.length - FRAMES).append(" more");
      }
      prefix = "\nCaused by: ";
    }
    return out.toString();
  }
}
