package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.validation.Problem;
import dev.steadfast.engine.validation.TaskValidator;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Reconciles validate a task's spec once per generation, with the real validator's answer. */
class ValidatedGenerationsTest {
  final AtomicInteger runs = new AtomicInteger();
  final ValidatedGenerations validated =
      new ValidatedGenerations(
          t -> {
            runs.incrementAndGet();
            return TaskValidator.bundled().validate(Json.tree(t));
          });

  static AgentTask task(String uid, Long generation, String stepsYaml) throws Exception {
    AgentTask t =
        Json.YAML.readValue(
            "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: t}\nspec:\n"
                + stepsYaml,
            AgentTask.class);
    t.setMetadata(
        new ObjectMetaBuilder()
            .withName("t")
            .withNamespace("default")
            .withUid(uid)
            .withGeneration(generation)
            .build());
    return t;
  }

  static final String GOOD =
      "  steps:\n  - name: a\n    http: {url: 'https://api.example.com/x', method: GET}\n";
  static final String BAD = "  steps:\n  - name: a\n";

  @Test
  void aGenerationIsValidatedOnceWhateverTheNumberOfReconciles() throws Exception {
    for (int i = 0; i < 20; i++) {
      assertThat(validated.problems(task("u1", 1L, GOOD))).isEmpty();
    }
    assertThat(runs).hasValue(1);

    List<Problem> bad = validated.problems(task("u1", 2L, BAD));
    assertThat(bad)
        .isNotEmpty()
        .isEqualTo(TaskValidator.bundled().validate(Json.tree(task("u1", 2L, BAD))));
    assertThat(validated.problems(task("u1", 2L, BAD))).isEqualTo(bad);
    assertThat(runs).hasValue(2);

    assertThat(validated.problems(task("u1", 3L, OTHER))).isEmpty();
    assertThat(runs).hasValue(3);
  }

  @Test
  void aTaskCreatedAgainUnderItsNameOrForgottenIsValidatedAfresh() throws Exception {
    validated.problems(task("u1", 1L, GOOD));
    assertThat(validated.problems(task("u2", 1L, BAD))).isNotEmpty();
    assertThat(runs).hasValue(2);

    validated.forget(task("u1", 1L, GOOD));
    validated.forget(task("u2", 1L, BAD));
    assertThat(validated.size()).isZero();
    assertThat(validated.problems(task("u1", 1L, OTHER))).isEmpty();
    assertThat(runs).hasValue(3);
  }

  static final String OTHER =
      "  steps:\n  - name: b\n    http: {url: 'https://api.example.com/y', method: GET}\n";

  @Test
  void tasksOfOneTemplateAreValidatedOnceWhateverTheirNames() throws Exception {
    for (int i = 0; i < 1000; i++) {
      assertThat(validated.problems(task("uid-" + i, 1L, GOOD))).isEmpty();
      assertThat(validated.problems(task("bad-" + i, 1L, BAD))).isNotEmpty();
    }
    assertThat(runs).hasValue(2);

    // What validation reads is in the key: a task without a name is not another one's answer.
    AgentTask unnamed = task("u-unnamed", 1L, GOOD);
    unnamed.getMetadata().setName(null);
    assertThat(validated.problems(unnamed))
        .extracting(Problem::field)
        .containsExactly("metadata.name");
    assertThat(runs).hasValue(3);
  }

  @Test
  void onlyTheLastDifferentSpecsAreKeptByContent() throws Exception {
    for (int i = 0; i <= ValidatedGenerations.SPECS; i++) {
      validated.problems(task("u" + i, 1L, httpTo(i)));
    }
    int after = runs.get();
    validated.problems(task("again-0", 1L, httpTo(0))); // the eldest, dropped
    validated.problems(task("again-last", 1L, httpTo(ValidatedGenerations.SPECS)));
    assertThat(runs).hasValue(after + 1);
  }

  static String httpTo(int i) {
    return "  steps:\n  - name: a\n    http: {url: 'https://api.example.com/"
        + i
        + "', method: GET}\n";
  }

  @Test
  void withoutAGenerationEveryReconcileValidates() throws Exception {
    validated.problems(task("u1", null, GOOD));
    validated.problems(task("u1", null, GOOD));
    assertThat(runs).hasValue(2);
  }
}
