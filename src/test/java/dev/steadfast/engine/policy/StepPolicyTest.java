package dev.steadfast.engine.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.Policy;
import dev.steadfast.api.Step;
import dev.steadfast.engine.format.Json;
import org.junit.jupiter.api.Test;

/**
 * docs/tasks.md: each step may override any part of the policy, loop detection and classify too.
 */
class StepPolicyTest {
  static Policy policy(String yaml) throws Exception {
    return Json.YAML.readValue(yaml, Policy.class);
  }

  static Step step(String yaml) throws Exception {
    return Json.YAML.readValue("name: s\nhttp: {url: 'http://x'}\n" + yaml, Step.class);
  }

  @Test
  void aStepsClassifyRulesComeFirstThenTheTasksThenTheOperators() throws Exception {
    Policy defaults = EffectivePolicy.defaults();
    defaults.classify =
        policy("classify: [{when: 'true', tier: Fatal, reason: FromOperator}]").classify;
    EffectivePolicy p =
        EffectivePolicy.resolve(
            defaults,
            policy("classify: [{when: 'true', tier: Fatal, reason: FromTask}]"),
            step("classify: [{when: 'true', tier: Transient, reason: FromStep}]"));
    assertThat(p.classify())
        .extracting(r -> r.reason)
        .containsExactly("FromStep", "FromTask", "FromOperator");
  }

  @Test
  void aStepsLoopDetectionWinsOverTheTasks() throws Exception {
    Policy task = policy("loopDetection: {maxIdenticalFailures: 7}");
    assertThat(
            EffectivePolicy.resolve(
                    EffectivePolicy.defaults(),
                    task,
                    step("loopDetection: {maxIdenticalFailures: 3}"))
                .maxIdenticalFailures())
        .isEqualTo(3);
    assertThat(
            EffectivePolicy.resolve(EffectivePolicy.defaults(), task, step(""))
                .maxIdenticalFailures())
        .isEqualTo(7);
  }
}
