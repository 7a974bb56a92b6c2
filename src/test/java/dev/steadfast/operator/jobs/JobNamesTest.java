package dev.steadfast.operator.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.steadfast.operator.jobs.JobNames.AttemptKey;
import org.junit.jupiter.api.Test;

class JobNamesTest {
  static final String DNS_1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

  @Test
  void theKeySplitsIntoTaskUidStepItemAndAttempt() {
    AttemptKey key = AttemptKey.parse("9c1e-uid/fetch/7/3");

    assertThat(key.taskUid()).isEqualTo("9c1e-uid");
    assertThat(key.step()).isEqualTo("fetch");
    assertThat(key.item()).isEqualTo("7");
    assertThat(key.attempt()).isEqualTo("3");
    assertThatThrownBy(() -> AttemptKey.parse("no-slashes"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aShortNameIsReadableAndTheSameEveryTime() {
    assertThat(JobNames.readable("digest", AttemptKey.parse("u/build/-/1")))
        .isEqualTo("digest-build-1");
    assertThat(JobNames.readable("digest", AttemptKey.parse("u/build/12/2")))
        .isEqualTo("digest-build-12-2")
        .isEqualTo(JobNames.readable("digest", AttemptKey.parse("other-uid/build/12/2")));
  }

  @Test
  void aLongOrDottedNameIsShortenedWithAHashAndStaysDistinct() {
    String task = "nightly.summaries-of-every-repository-in-the-organisation-and-more";
    String a = JobNames.readable(task, AttemptKey.parse("u/summarize/118/4"));
    String b = JobNames.readable(task, AttemptKey.parse("u/summarize/119/4"));

    assertThat(a)
        .hasSizeLessThanOrEqualTo(63)
        .matches(DNS_1123_LABEL)
        .startsWith("nightly-summaries");
    assertThat(b).hasSizeLessThanOrEqualTo(63).matches(DNS_1123_LABEL).isNotEqualTo(a);
    assertThat(JobNames.readable("My.Task", AttemptKey.parse("u/s/-/1")))
        .matches("my-task-s-1-[0-9a-f]{10}");
  }

  @Test
  void theUniqueNameDependsOnTheWholeKey() {
    AttemptKey ours = AttemptKey.parse("uid-1/build/-/1");
    AttemptKey theirs = AttemptKey.parse("uid-2/build/-/1");

    assertThat(JobNames.unique("digest", ours))
        .matches("digest-build-1-[0-9a-f]{10}")
        .isEqualTo(JobNames.unique("digest", ours))
        .isNotEqualTo(JobNames.unique("digest", theirs));
  }

  @Test
  void labelValuesOverSixtyThreeCharactersAreShortened() {
    assertThat(JobNames.labelValue("digest")).isEqualTo("digest");
    assertThat(JobNames.labelValue("a".repeat(200))).hasSize(63).matches(DNS_1123_LABEL);
  }
}
