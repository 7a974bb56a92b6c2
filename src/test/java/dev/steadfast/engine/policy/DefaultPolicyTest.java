package dev.steadfast.engine.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.steadfast.api.Backoff.Jitter;
import dev.steadfast.api.Policy;
import dev.steadfast.api.Step;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.validation.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The `--default-policy FILE` of the operator and the runner. */
class DefaultPolicyTest {
  @TempDir Path dir;

  Policy load(String yaml) throws Exception {
    Path f = dir.resolve("policy.yaml");
    Files.writeString(f, yaml);
    return DefaultPolicy.load(f);
  }

  Iterable<Problem> problems(String yaml) {
    return catchThrowableOfType(DefaultPolicy.InvalidPolicyException.class, () -> load(yaml))
        .problems();
  }

  static Policy task(String yaml) throws Exception {
    return Json.YAML.readValue(yaml, Policy.class);
  }

  @Test
  void aPartialFileChangesOnlyWhatItSays() throws Exception {
    Policy defaults =
        load(
            "retry:\n  maxAttempts: 8\n  backoff: {initialDelay: 2s}\ncircuitBreaker: {openDuration: 5m}\n");

    EffectivePolicy p = EffectivePolicy.resolve(defaults, null, null);

    assertThat(p.maxAttempts()).isEqualTo(8);
    assertThat(p.backoff())
        .isEqualTo(new BackoffSpec(Duration.ofSeconds(2), 2.0, Duration.ofMinutes(5), Jitter.Full));
    assertThat(p.breaker().openDuration()).isEqualTo(Duration.ofMinutes(5));
    assertThat(p.breaker().failureRateThreshold()).isEqualTo(50);
    assertThat(p.timeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(p.rateLimit().initialDelay()).isEqualTo(Duration.ofSeconds(10));
    assertThat(p.maxElapsed()).isEqualTo(Duration.ofMinutes(30));
    assertThat(p.maxIdenticalFailures()).isEqualTo(5);
  }

  @Test
  void theTaskAndTheStepStillWinOverTheFile() throws Exception {
    Policy defaults = load("timeout: 5m\nretry: {maxAttempts: 8}\n");
    Step step = new Step();
    step.timeout = "10s";

    EffectivePolicy p = EffectivePolicy.resolve(defaults, task("retry: {maxAttempts: 3}\n"), step);

    assertThat(p.maxAttempts()).isEqualTo(3);
    assertThat(p.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(EffectivePolicy.resolve(defaults, task("{}"), null).timeout())
        .isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void theTasksClassifyRulesComeBeforeTheFilesRules() throws Exception {
    Policy defaults =
        load(
            "classify:\n  - {when: 'response.status == 503', tier: Fatal, reason: ProviderDown}\n");
    Policy task =
        task("classify:\n  - {when: 'response.status == 418', tier: Transient, reason: Teapot}\n");

    assertThat(EffectivePolicy.resolve(defaults, task, null).classify())
        .extracting(r -> r.reason)
        .containsExactly("Teapot", "ProviderDown");
    assertThat(EffectivePolicy.resolve(defaults, null, null).classify())
        .singleElement()
        .satisfies(r -> assertThat(r.tier).isEqualTo(Tier.Fatal));
  }

  @Test
  void anEmptyFileMeansTheBuiltInDefaults() throws Exception {
    assertThat(Json.tree(load(""))).isEqualTo(Json.tree(EffectivePolicy.defaults()));
    assertThat(Json.tree(load("# nothing to change\n")))
        .isEqualTo(Json.tree(EffectivePolicy.defaults()));
  }

  @Test
  void everyProblemNamesItsField() {
    assertThat(problems("retry: {maxAttemps: 8}\n"))
        .containsExactly(new Problem("retry.maxAttemps", "unknown field"));
    assertThat(problems("timeout: 5 minutes\n"))
        .singleElement()
        .satisfies(p -> assertThat(p.field()).isEqualTo("timeout"));
    assertThat(problems("retry: {backoff: {jitter: Sometimes, multiplier: 50}}\n"))
        .extracting(Problem::field)
        .containsExactlyInAnyOrder("retry.backoff.jitter", "retry.backoff.multiplier");
    assertThat(problems("classify:\n  - {when: 'response.status ==', tier: Fatal, reason: X}\n"))
        .singleElement()
        .satisfies(p -> assertThat(p.field()).isEqualTo("classify[0].when"));
    assertThat(problems("- retry\n"))
        .singleElement()
        .satisfies(p -> assertThat(p.field()).isEqualTo("(root)"));
    assertThat(problems("retry: {maxAttempts: [1\n"))
        .singleElement()
        .satisfies(p -> assertThat(p.message()).startsWith("not valid YAML"));
  }
}
