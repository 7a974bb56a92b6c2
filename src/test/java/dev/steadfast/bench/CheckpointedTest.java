package dev.steadfast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the kill scenario decides whether an answered call is in the task's checkpoint. */
class CheckpointedTest {
  static final GenericKubernetesResource TASK =
      new KubernetesSerialization()
          .unmarshal(
              """
              apiVersion: steadfast.dev/v1alpha1
              kind: AgentTask
              metadata: {name: k-1, namespace: bench-kill, uid: u1}
              status:
                phase: Running
                steps:
                  - {name: s1, phase: Succeeded}
                  - {name: s2, phase: Running}
                  - {name: each, phase: Running}
                checkpoint:
                  steps:
                    - name: s2
                      units: [{phase: Running}]
                    - name: each
                      units: [{index: 0, phase: Succeeded}, {index: 1, phase: Running}]
              """,
              GenericKubernetesResource.class);
  static final Map<String, GenericKubernetesResource> BY_UID = Map.of("u1", TASK);

  @Test
  void aStepSucceededInStatusIsCheckpointed() {
    assertThat(OperatorBenchmark.checkpointed(BY_UID, "u1/s1/-/1")).isTrue();
  }

  @Test
  void aStepStillRunningIsNot() {
    assertThat(OperatorBenchmark.checkpointed(BY_UID, "u1/s2/-/1")).isFalse();
  }

  @Test
  void forEachItemsAreLookedUpByIndex() {
    assertThat(OperatorBenchmark.checkpointed(BY_UID, "u1/each/0/1")).isTrue();
    assertThat(OperatorBenchmark.checkpointed(BY_UID, "u1/each/1/2")).isFalse();
  }

  @Test
  void anUnknownTaskIsNot() {
    assertThat(OperatorBenchmark.checkpointed(BY_UID, "u2/s1/-/1")).isFalse();
  }

  @Test
  void theUnitOfAKeyDropsTheAttemptNumber() {
    assertThat(OperatorBenchmark.unit("u1/each/3/2")).isEqualTo("u1/each/3");
  }
}
