package dev.steadfast.executors;

import dev.steadfast.api.Tier;
import dev.steadfast.engine.Reason;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import java.util.Map;

/** Routes each call to the executor for its kind; a kind without one fails as unsupported. */
public final class Dispatcher implements Executor {
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
      // An executor bug must not kill the driver: it becomes a retryable failure.
      return new Outcome.Failed(
          Failure.of(
              Tier.Transient,
              Reason.NetworkError.name(),
              "executor error: " + ex.getClass().getSimpleName()));
    }
  }
}
