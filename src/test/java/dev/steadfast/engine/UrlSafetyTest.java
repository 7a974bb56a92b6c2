package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import org.junit.jupiter.api.Test;

/**
 * docs/security.md "Names are safe everywhere", in the engine (which renders without the validator,
 * so this is the run-time line of defence): values are percent-encoded into URLs, and a URL whose
 * host would come from an output, an item or a tool argument fails the task Fatal InvalidSpec
 * before anything is sent.
 */
class UrlSafetyTest {
  final EngineHarness h = new EngineHarness();

  static Outcome json(String json) {
    try {
      return new Outcome.Success(Json.MAPPER.readTree(json));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Test
  void itemsAndOutputsArePercentEncodedIntoThePathAndQuery() {
    TaskRef t =
        EngineHarness.task(
            "  steps:\n    - name: list\n"
                + TaskEngineTest.HTTP
                + "    - name: each\n      forEach: {items: 'steps.list.output'}\n"
                + "      http: {url: 'http://api.test/items/{{ item }}?from={{ steps.list.output[0] }}'}\n");
    AgentTaskStatus s =
        h.run(
            t,
            r ->
                ((Call.HttpCall) r.call()).url().equals("http://api.test/x")
                    ? json("[\"../admin\", \"a?b=c#d\", \"@evil.test\", \"ü /\"]")
                    : TaskEngineTest.ok("ok"));

    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(h.requests.subList(1, 5))
        .extracting(r -> ((Call.HttpCall) r.call()).url())
        .containsExactly(
            "http://api.test/items/..%2Fadmin?from=..%2Fadmin",
            "http://api.test/items/a%3Fb%3Dc%23d?from=..%2Fadmin",
            "http://api.test/items/%40evil.test?from=..%2Fadmin",
            "http://api.test/items/%C3%BC%20%2F?from=..%2Fadmin");
  }

  @Test
  void aHostFromAStepOutputFailsInvalidSpecAndSendsNothing() {
    TaskRef t =
        EngineHarness.task(
            "  steps:\n    - name: fetch\n"
                + TaskEngineTest.HTTP
                + "    - name: use\n      http: {url: '{{ steps.fetch.output }}/x'}\n");
    AgentTaskStatus s = h.run(t, r -> TaskEngineTest.ok("http://evil.test"));

    assertThat(h.requests).hasSize(1);
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(1).lastError.reason).isEqualTo("InvalidSpec");
    assertThat(s.message)
        .contains("InvalidSpec")
        .contains(
            "spec.steps[1].http.url: the scheme and host may not come from steps.fetch.output");
  }

  @Test
  void anLlmEndpointFromAnItemFailsInvalidSpec() {
    TaskRef t =
        EngineHarness.task(
            "  inputs: {hosts: ['http://evil.test']}\n  steps:\n    - name: each\n"
                + "      forEach: {items: 'inputs.hosts'}\n"
                + "      llm: {endpoint: '{{ item }}/v1', model: m, messages: [{role: user, content: hi}]}\n");
    AgentTaskStatus s = h.run(t, r -> TaskEngineTest.ok("never"));

    assertThat(h.requests).isEmpty();
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.message)
        .contains("spec.steps[0].llm.endpoint: the scheme and host may not come from item");
  }

  @Test
  void aToolUrlWhoseHostComesFromTheModelsArgumentsFailsInvalidSpecAndIsNeverCalled() {
    TaskRef t =
        EngineHarness.task(
            "  steps:\n    - name: research\n      agent:\n"
                + "        llm: {endpoint: 'http://llm.test/v1', model: big, messages: [{role: user, content: hi}]}\n"
                + "        tools:\n          - name: fetch\n"
                + "            http: {url: 'http://{{ args.host }}/x'}\n");
    AgentTaskStatus s =
        h.run(
            t,
            r -> {
              if (!(r.call() instanceof Call.AgentCall)) {
                return TaskEngineTest.ok("the tool ran");
              }
              ArrayNode tr = JsonNodeFactory.instance.arrayNode();
              var calls =
                  tr.addObject().put("role", "assistant").put("content", "").putArray("toolCalls");
              calls
                  .addObject()
                  .put("id", "c1")
                  .put("name", "fetch")
                  .set("arguments", JsonNodeFactory.instance.objectNode().put("host", "evil.test"));
              return new Outcome.Progress(tr, "calling fetch");
            });

    assertThat(h.requests).allMatch(r -> r.call() instanceof Call.AgentCall);
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.message)
        .contains(
            "spec.steps[0].agent.tools[0].http.url: the scheme and host may not come from args.host");
    assertThat(s.steps.get(0).output).isNotEqualTo(TextNode.valueOf("the tool ran"));
  }
}
