package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/security.md "Tenants are isolated": the response cache is per namespace. */
class ResponseCacheIsolationTest {
  static final String TASK =
      "  policy:\n    retry: {maxAttempts: 1}\n"
          + "  steps:\n    - name: a\n"
          + TaskEngineTest.HTTP
          + "      fallbacks:\n        - cache: {}\n";

  final EngineHarness h = new EngineHarness();
  final TaskRef spec = EngineHarness.task(TASK);

  TaskRef in(String namespace, String uid) {
    return new TaskRef("t", namespace, uid, 1L, spec.spec(), Map.of());
  }

  AgentTaskStatus failing(TaskRef task) {
    return h.run(task, r -> TaskEngineTest.fail(Tier.Recoverable, "InvalidRequest", 400, null));
  }

  @Test
  void theSameRequestInAnotherNamespaceDoesNotHitTheCache() {
    AgentTaskStatus filled = h.run(in("team-a", "uid-1"), r -> TaskEngineTest.ok("secret-of-a"));
    assertThat(filled.phase).isEqualTo(TaskPhase.Succeeded);

    AgentTaskStatus other = failing(in("team-b", "uid-2"));

    assertThat(other.phase).isEqualTo(TaskPhase.Failed);
    assertThat(other.steps.get(0).output).isNull();
    assertThat(other.message).contains("CacheMiss").doesNotContain("secret-of-a");
  }

  @Test
  void theSameRequestInTheSameNamespaceHits() {
    h.run(in("team-a", "uid-1"), r -> TaskEngineTest.ok("cached-answer"));

    AgentTaskStatus again = failing(in("team-a", "uid-3"));

    assertThat(again.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(again.steps.get(0).output.asText()).isEqualTo("cached-answer");
  }
}
