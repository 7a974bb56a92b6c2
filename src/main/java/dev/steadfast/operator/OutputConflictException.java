package dev.steadfast.operator;

/**
 * A step's output belongs in a ConfigMap whose name is taken by an object the task does not own (no
 * ownerReference with the task's UID). The ConfigMap is left untouched; the step fails Fatal {@code
 * OutputConflict}.
 */
final class OutputConflictException extends RuntimeException {
  private final String configMap;
  private final String step;

  OutputConflictException(String configMap, String step) {
    super(
        "the ConfigMap "
            + configMap
            + " for the output of step "
            + step
            + " already exists and is not owned by this task; it was left unchanged"
            + " (rename the task or remove that ConfigMap, then retry)");
    this.configMap = configMap;
    this.step = step;
  }

  String configMap() {
    return configMap;
  }

  String step() {
    return step;
  }
}
