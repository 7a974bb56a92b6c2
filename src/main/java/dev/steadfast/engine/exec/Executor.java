package dev.steadfast.engine.exec;

/** Makes one attempt: the only place I/O happens. Never throws; every path returns an Outcome. */
public interface Executor {
  Outcome execute(AttemptRequest request);
}
