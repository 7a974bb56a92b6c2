package dev.steadfast.engine.exec;

/**
 * Runs one attempt of a call. A blocking call made on a worker thread by the engine's driver; it
 * never retries or waits between attempts (that is the engine's job) and never throws: every
 * problem, including a bad spec, comes back as a classified {@link Outcome.Failed}.
 */
public interface Executor {
  Outcome execute(AttemptRequest request);
}
