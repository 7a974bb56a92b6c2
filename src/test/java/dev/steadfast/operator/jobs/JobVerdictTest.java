package dev.steadfast.operator.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The docs/errors.md rows for Jobs that the executor test does not reach through the API server.
 */
class JobVerdictTest {
  static Job job(String type, String reason) {
    JobBuilder b = new JobBuilder().withNewMetadata().withName("j").endMetadata();
    if (type != null) {
      b.withNewStatus()
          .addNewCondition()
          .withType(type)
          .withStatus("True")
          .withReason(reason)
          .endCondition()
          .endStatus();
    }
    return b.build();
  }

  static Pod pod(PodStatus status) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("j-abcde")
        .endMetadata()
        .withStatus(status)
        .build();
  }

  static Failure failure(Optional<Outcome> outcome) {
    assertThat(outcome).get().isInstanceOf(Outcome.Failed.class);
    return ((Outcome.Failed) outcome.get()).failure();
  }

  @Test
  void aRunningJobHasNoVerdictYet() {
    assertThat(
            JobVerdict.judge(
                job(null, null),
                List.of(pod(FakeKubelet.waiting("ContainerCreating", null))),
                false,
                null))
        .isEmpty();
  }

  @Test
  void terminationMessagesAreJsonTextOrNull() {
    assertThat(JobVerdict.output("[1, 2]").get(1).asInt()).isEqualTo(2);
    assertThat(JobVerdict.output("42 apples")).isEqualTo(TextNode.valueOf("42 apples"));
    assertThat(JobVerdict.output("done\n")).isEqualTo(TextNode.valueOf("done"));
    assertThat(JobVerdict.output("")).isEqualTo(NullNode.getInstance());
    assertThat(JobVerdict.output(null)).isEqualTo(NullNode.getInstance());
  }

  @Test
  void aCompleteJobWhosePodWroteNoTerminationMessageSucceedsWithNullOutput() {
    // The usual Job: it printed to stdout and wrote nothing to /dev/termination-log.
    Optional<Outcome> outcome =
        JobVerdict.judge(
            job("Complete", null),
            List.of(pod(FakeKubelet.terminated("Succeeded", 0, "Completed", null))),
            false,
            null);
    assertThat(outcome).contains(new Outcome.Success(NullNode.getInstance()));
  }

  @Test
  void aPodThatVanishedWithItsNodeIsEvicted() {
    Failure f =
        failure(JobVerdict.judge(job("Failed", "BackoffLimitExceeded"), List.of(), true, null));

    assertThat(f.tier()).isEqualTo(Tier.Transient);
    assertThat(f.reason()).isEqualTo("Evicted");
  }

  @Test
  void aPreemptedPodIsEvictedEvenThoughItsContainerExitedNonZero() {
    PodStatus status = FakeKubelet.terminated("Failed", 143, "Error", null);
    status
        .getConditions()
        .add(
            new PodConditionBuilder()
                .withType("DisruptionTarget")
                .withStatus("True")
                .withReason("PreemptionByScheduler")
                .build());

    Failure f =
        failure(
            JobVerdict.judge(
                job("Failed", "BackoffLimitExceeded"), List.of(pod(status)), false, null));

    assertThat(f.reason()).isEqualTo("Evicted");
    assertThat(f.message()).contains("PreemptionByScheduler");
  }

  @Test
  void aMissingSecretStopsTheStepWhileThePodWaits() {
    PodStatus status = FakeKubelet.waiting("CreateContainerConfigError", "secret \"gh\" not found");

    Failure f = failure(JobVerdict.judge(job(null, null), List.of(pod(status)), false, null));

    assertThat(f.tier()).isEqualTo(Tier.Fatal);
    assertThat(f.reason()).isEqualTo("SecretNotFound");
  }

  @Test
  void anInvalidImageNameIsAnImagePullFailure() {
    Failure f =
        failure(
            JobVerdict.judge(
                job(null, null),
                List.of(pod(FakeKubelet.waiting("InvalidImageName", "couldn't parse image"))),
                false,
                null));

    assertThat(f.tier()).isEqualTo(Tier.Fatal);
    assertThat(f.reason()).isEqualTo("ImagePullFailed");
  }
}
