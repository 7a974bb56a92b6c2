package dev.steadfast.engine.validation;

/** One thing wrong with a task, located by its field path (for example spec.steps[1].llm.model). */
public record Problem(String field, String message) {
  @Override
  public String toString() {
    return field + ": " + message;
  }
}
