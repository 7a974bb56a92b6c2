package dev.steadfast.engine.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskValidatorTest {
  static final TaskValidator VALIDATOR = TaskValidator.bundled();

  static List<Problem> check(String stepsYaml) throws Exception {
    String yaml =
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: t}\nspec:\n"
            + stepsYaml;
    JsonNode doc = Json.YAML.readTree(yaml);
    return VALIDATOR.validate(doc);
  }

  static final String LLM =
      "llm: {endpoint: 'http://h/v1', model: m, messages: [{role: user, content: hi}]}";

  @Test
  void validTaskHasNoProblems() throws Exception {
    assertThat(check("  steps:\n    - name: a\n      " + LLM + "\n")).isEmpty();
  }

  @Test
  void schemaProblemsNameTheField() throws Exception {
    assertThat(check("  steps: []\n")).extracting(Problem::field).containsExactly("spec.steps");
    assertThat(check("  deadline: soon\n  steps:\n    - name: a\n      " + LLM + "\n"))
        .extracting(Problem::field)
        .containsExactly("spec.deadline");
    assertThat(check("  steps:\n    - name: A_b\n      " + LLM + "\n"))
        .extracting(Problem::field)
        .containsExactly("spec.steps[0].name");
    assertThat(check("  steps:\n    - name: a\n      colour: red\n      " + LLM + "\n"))
        .singleElement()
        .satisfies(p -> assertThat(p.toString()).isEqualTo("spec.steps[0].colour: unknown field"));
    assertThat(check("  steps:\n    - http: {url: 'http://x'}\n"))
        .extracting(Problem::toString)
        .containsExactly("spec.steps[0].name: is required");
  }

  @Test
  void rulesOfTheCrdAndTheSemanticChecksAreEnforced() throws Exception {
    assertThat(check("  steps:\n    - name: a\n      http: {url: 'http://x'}\n      " + LLM + "\n"))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.field()).isEqualTo("spec.steps[0]");
              assertThat(p.message()).contains("exactly one of http, llm, agent or job");
            });
    assertThat(
            check(
                "  steps:\n    - name: a\n      "
                    + LLM
                    + "\n    - name: a\n      http: {url: 'http://x'}\n"))
        .singleElement()
        .satisfies(
            p ->
                assertThat(p.toString())
                    .isEqualTo("spec.steps[1].name: step names must be unique"));
  }

  @Test
  void aStepsClassifyRulesAreCheckedLikeTheTasks() throws Exception {
    assertThat(
            check(
                "  steps:\n    - name: a\n      http: {url: 'http://x'}\n"
                    + "      classify: [{when: 'response.status ==', tier: Fatal, reason: Broken}]\n"))
        .extracting(Problem::field)
        .containsExactly("spec.steps[0].classify[0].when");
    assertThat(
            check(
                "  steps:\n    - name: a\n      http: {url: 'http://x'}\n"
                    + "      loopDetection: {maxIdenticalFailures: 3}\n"
                    + "      classify: [{when: 'response.status == 418', tier: Fatal, reason: Teapot}]\n"))
        .isEmpty();
  }

  @Test
  void schemaAndSemanticProblemsAreReportedTogether() throws Exception {
    assertThat(
            check(
                "  steps:\n"
                    + "    - name: first\n      timeout: soon\n      http: {url: 'http://x'}\n"
                    + "    - name: second\n      http: {url: 'http://x/{{ steps.ghost.output }}'}\n"))
        .extracting(Problem::field)
        .containsExactlyInAnyOrder("spec.steps[0].timeout", "spec.steps[1].http.url");
  }

  @Test
  void aBadEnumDoesNotStopTheSemanticChecks() throws Exception {
    assertThat(
            check(
                "  steps:\n"
                    + "    - name: first\n      http: {url: 'http://x', method: FETCH}\n"
                    + "    - name: second\n      http: {url: 'http://x/{{ steps.ghost.output }}'}\n"))
        .extracting(Problem::field)
        .containsExactlyInAnyOrder("spec.steps[0].http.method", "spec.steps[1].http.url");
  }

  @Test
  void aRuleOnTheStepsListDoesNotHideTheProblemsInside() throws Exception {
    assertThat(
            check(
                "  steps:\n"
                    + "    - name: a\n      timeout: 5\n      when: 'inputs.x >'\n"
                    + "      http: {url: 'http://x'}\n"
                    + "    - name: a\n      http: {url: 'http://x'}\n      job: {image: busybox}\n"
                    + "      when: 'steps.ghost.output'\n"))
        .extracting(Problem::field)
        .containsExactlyInAnyOrder(
            "spec.steps[0].timeout",
            "spec.steps[0].when",
            "spec.steps[1]", // exactly one of http, llm, agent or job
            "spec.steps[1].name", // step names must be unique
            "spec.steps[1].when");
  }

  @Test
  void aListElementOfTheWrongShapeDoesNotHideTheOtherSteps() throws Exception {
    assertThat(
            check(
                "  steps:\n"
                    + "    - name: first\n      http: {url: 'http://x'}\n      fallbacks: [oops]\n"
                    + "      job: {image: busybox, args: [{a: 1}]}\n"
                    + "    - name: second\n      http: {url: 'http://x/{{ steps.ghost.output }}'}\n"))
        .extracting(Problem::field)
        .containsExactlyInAnyOrder(
            "spec.steps[0]",
            "spec.steps[0].fallbacks[0]",
            "spec.steps[0].job.args[0]",
            "spec.steps[1].http.url");
  }

  @Test
  void aProblemBothPassesFindIsReportedOnce() throws Exception {
    assertThat(check("  steps:\n    - name: a\n      llm: {endpoint: 'http://h', messages: []}\n"))
        .extracting(Problem::toString)
        .containsExactlyInAnyOrder(
            "spec.steps[0].llm.model: is required",
            "spec.steps[0].llm.messages: " + messagesTooFew());
  }

  private static String messagesTooFew() throws Exception {
    return check(
            "  steps:\n    - name: a\n      " + LLM.replace("[{role: user, content: hi}]", "[]"))
        .get(0)
        .message();
  }

  @Test
  void aNumberTheModelCannotHoldIsRefusedNamingTheField() throws Exception {
    assertThat(
            check(
                "  steps:\n    - name: a\n      "
                    + LLM.replace("model: m", "model: m, maxTokens: 99999999999")
                    + "\n"))
        .extracting(Problem::field)
        .containsExactly("spec.steps[0].llm.maxTokens");
  }

  @Test
  void semanticProblems() throws Exception {
    List<Problem> problems =
        check(
            "  steps:\n"
                + "    - name: first\n"
                + "      http: {url: 'http://x/{{ steps.later.output }}'}\n"
                + "    - name: later\n"
                + "      when: 'inputs.x >'\n"
                + "      http: {url: 'http://x/{{ steps.nope.output }}'}\n"
                + "    - name: last\n"
                + "      llm: {endpoint: 'http://h', messages: [{role: user, content: hi}]}\n");
    assertThat(problems)
        .extracting(Problem::toString)
        .containsExactlyInAnyOrder(
            "spec.steps[1].when: CEL expression does not compile: "
                + problems.stream()
                    .filter(p -> p.field().endsWith("when"))
                    .findFirst()
                    .orElseThrow()
                    .message()
                    .substring(33),
            "spec.steps[0].http.url: references step \"later\", which has not run yet at this point",
            "spec.steps[1].http.url: references unknown step \"nope\"",
            "spec.steps[2].llm.model: is required");
  }

  @Test
  void celThatDoesNotCompileIsReported() throws Exception {
    List<Problem> problems =
        check("  steps:\n    - name: a\n      when: 'inputs.x >'\n      " + LLM + "\n");
    assertThat(problems)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.field()).isEqualTo("spec.steps[0].when");
              assertThat(p.message()).startsWith("CEL expression does not compile");
            });
  }

  @Test
  void stepReferencesWithDashesUseIndexSyntax() throws Exception {
    assertThat(
            check(
                "  steps:\n    - name: fetch-items\n      http: {url: 'http://x'}\n"
                    + "    - name: b\n      forEach: {items: \"steps['fetch-items'].output\"}\n"
                    + "      http: {url: 'http://x/{{ item }}'}\n"))
        .isEmpty();
  }

  @Test
  void identityIsChecked() throws Exception {
    JsonNode doc =
        Json.YAML.readTree("apiVersion: v1\nkind: Pod\nmetadata: {}\nspec: {steps: []}\n");
    assertThat(VALIDATOR.validate(doc))
        .extracting(Problem::field)
        .contains("apiVersion", "kind", "metadata.name");
  }

  @Test
  void aUrlWhoseHostComesFromAStepOutputIsRefusedNamingTheField() throws Exception {
    assertThat(
            check(
                "  inputs: {api: 'https://api.example.com/v1'}\n"
                    + "  steps:\n"
                    + "    - name: fetch\n      http: {url: 'http://x/list'}\n"
                    + "    - name: use\n      http: {url: '{{ steps.fetch.output.next }}'}\n"
                    + "    - name: each\n      forEach: {items: 'steps.fetch.output'}\n"
                    + "      http: {url: 'https://{{ item.host }}/x'}\n"
                    + "    - name: fine\n      http: {url: '{{ inputs.api }}/{{ steps.fetch.output.id }}'}\n"
                    + "    - name: talk\n      llm: {endpoint: '{{ steps.fetch.output.llm }}/v1', model: m,"
                    + " messages: [{role: user, content: hi}]}\n"
                    + "    - name: agent\n      agent:\n        llm: {endpoint: 'http://llm/v1', model: m,"
                    + " messages: [{role: user, content: hi}]}\n"
                    + "        tools:\n          - name: get\n            http: {url: 'http://{{ args.host }}/x'}\n"))
        .extracting(Problem::toString)
        .containsExactlyInAnyOrder(
            "spec.steps[1].http.url: the scheme and host may not come from steps.fetch.output.next"
                + " (a step output); only literal text and inputs may set them, so write the host"
                + " out, as in https://api.example.com/{{ steps.fetch.output.next }}",
            "spec.steps[2].http.url: the scheme and host may not come from item.host (a forEach"
                + " item); only literal text and inputs may set them, so write the host out, as in"
                + " https://api.example.com/{{ item.host }}",
            "spec.steps[4].llm.endpoint: the scheme and host may not come from"
                + " steps.fetch.output.llm (a step output); only literal text and inputs may set"
                + " them, so write the host out, as in https://api.example.com/{{"
                + " steps.fetch.output.llm }}",
            "spec.steps[5].agent.tools[0].http.url: the scheme and host may not come from args.host"
                + " (a tool argument); only literal text and inputs may set them, so write the host"
                + " out, as in https://api.example.com/{{ args.host }}");
  }
}
