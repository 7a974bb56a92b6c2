package dev.steadfast.engine;

import dev.steadfast.api.Policy;
import dev.steadfast.api.Step;
import dev.steadfast.engine.policy.EffectivePolicy;

/** The policy a step runs under: the operator's defaults, the task's policy, the step's own. */
record TaskPolicies(Policy defaults) {
  EffectivePolicy of(TaskRef task, Step step) {
    return EffectivePolicy.resolve(defaults, task.spec().policy, step);
  }
}
