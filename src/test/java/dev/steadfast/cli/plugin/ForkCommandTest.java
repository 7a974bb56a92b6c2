package dev.steadfast.cli.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ForkCommandTest {
  @Test
  void theDefaultNameIsTheTasksWithASuffixWithinTheLabelLimit() {
    assertThat(ForkCommand.defaultName("essay")).matches("essay-fork-[a-z0-9]{5}");
    assertThat(ForkCommand.defaultName("essay")).isNotEqualTo(ForkCommand.defaultName("essay"));
    String longName = "a".repeat(50) + "-" + "b".repeat(200);
    String fork = ForkCommand.defaultName(longName);
    assertThat(fork).hasSize(63).matches("a{50}-b{1}-fork-[a-z0-9]{5}");
    // Cut where a '-' would end the task's part: no '--' the API server would refuse at the end.
    assertThat(ForkCommand.defaultName("a".repeat(51) + "-xyz")).matches("a{51}-fork-[a-z0-9]{5}");
  }
}
