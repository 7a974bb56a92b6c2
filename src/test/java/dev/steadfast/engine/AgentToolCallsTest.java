package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * An agent's tool calls run as attempts of their own (docs/tasks.md, agents: "each tool call with
 * its own retry/breaker handling"): backoff as durable waits, a breaker per tool host, and a failed
 * tool goes back to the model as an error result.
 */
class AgentToolCallsTest {
  static final String AGENT =
      "  policy:\n    retry: {maxAttempts: 4, backoff: {initialDelay: 1s, maxDelay: 10s, jitter: None}}\n"
          + "  steps:\n    - name: research\n      agent:\n"
          + "        llm: {endpoint: 'http://llm.test/v1', model: big, messages: [{role: user, content: hi}]}\n"
          + "        tools:\n"
          + "          - name: lookup\n"
          + "            parameters: {type: object, required: [q], properties: {q: {type: string}}}\n"
          + "            http: {url: 'http://tools.test/search?q={{ args.q }}'}\n";

  /** The model asks for lookup(q) until it has a tool result, then answers with that result. */
  static Outcome model(AttemptRequest r, JsonNode arguments) {
    JsonNode transcript = ((Call.AgentCall) r.call()).transcript();
    if (transcript != null) {
      for (JsonNode m : transcript) {
        if (m.path("role").asText().equals("tool")) {
          return new Outcome.Success(TextNode.valueOf("answer from " + m.path("content").asText()));
        }
      }
    }
    ArrayNode t = JsonNodeFactory.instance.arrayNode();
    var call = t.addObject().put("role", "assistant").put("content", "").putArray("toolCalls");
    call.addObject().put("id", "c1").put("name", "lookup").set("arguments", arguments);
    return new Outcome.Progress(t, "calling lookup");
  }

  record Script(List<AttemptRequest> toolCalls, Function<AttemptRequest, Outcome> executor) {}

  static Script script(JsonNode arguments, List<Outcome> toolOutcomes) {
    List<AttemptRequest> toolCalls = new ArrayList<>();
    return new Script(
        toolCalls,
        r -> {
          if (r.call() instanceof Call.AgentCall) {
            return model(r, arguments);
          }
          toolCalls.add(r);
          return toolOutcomes.get(Math.min(toolCalls.size(), toolOutcomes.size()) - 1);
        });
  }

  static JsonNode args(String q) {
    return JsonNodeFactory.instance.objectNode().put("q", q);
  }

  static Outcome failed(Tier tier, String reason, int code) {
    return new Outcome.Failed(new Failure(tier, reason, reason + " happened", code, null));
  }

  static String answer(AgentTaskStatus s) {
    return s.steps.get(0).output.asText();
  }

  @Test
  void aTransientToolFailureIsRetriedWithBackoffAsADurableWait() {
    EngineHarness h = new EngineHarness();
    Script s =
        script(
            args("billing"),
            List.of(
                failed(Tier.Transient, "ServerError", 500),
                failed(Tier.Transient, "ServerError", 502),
                new Outcome.Success(TextNode.valueOf("3 results"))));

    AgentTaskStatus status = h.run(EngineHarness.task(AGENT), s.executor());

    assertThat(status.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(answer(status)).isEqualTo("answer from 3 results");
    assertThat(s.toolCalls())
        .extracting(r -> ((Call.HttpCall) r.call()).url())
        .containsOnly("http://tools.test/search?q=billing")
        .hasSize(3);
    assertThat(s.toolCalls()).extracting(AttemptRequest::idempotencyKey).doesNotHaveDuplicates();
    // 1 s then 2 s: the policy's backoff, waited as timers (the harness moves its clock).
    assertThat(h.waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
    assertThat(h.events)
        .filteredOn(e -> e.reason().equals("StepRetrying"))
        .extracting(EngineEvent::message)
        .containsExactly(
            "tool lookup: ServerError (500), retry 2/4 in 1s",
            "tool lookup: ServerError (502), retry 3/4 in 2s");
    assertThat(status.attempts).isEqualTo(5); // model, 3 tool calls, model
  }

  @Test
  void exhaustedOrFatalToolFailuresGoBackToTheModelAsErrorResults() {
    EngineHarness h = new EngineHarness();
    Script s = script(args("x"), List.of(failed(Tier.Transient, "ServerError", 503)));

    AgentTaskStatus status = h.run(EngineHarness.task(AGENT), s.executor());

    assertThat(status.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(s.toolCalls()).hasSize(4); // maxAttempts
    assertThat(answer(status)).isEqualTo("answer from error: ServerError: ServerError happened");
    assertThat(h.reasons()).contains("ToolFailed").doesNotContain("StepFailed", "FatalError");

    EngineHarness fatal = new EngineHarness();
    Script f = script(args("x"), List.of(failed(Tier.Fatal, "Unauthorized", 401)));
    AgentTaskStatus st = fatal.run(EngineHarness.task(AGENT), f.executor());
    assertThat(f.toolCalls()).hasSize(1);
    assertThat(answer(st)).isEqualTo("answer from error: Unauthorized: Unauthorized happened");
    assertThat(fatal.waits).isEmpty();
  }

  @Test
  void argumentsTheToolsSchemaRefusesAreAnsweredWithoutCallingIt() {
    EngineHarness h = new EngineHarness();
    Script s =
        script(
            JsonNodeFactory.instance.objectNode().put("query", "typo"),
            List.of(new Outcome.Success(TextNode.valueOf("never"))));

    AgentTaskStatus status = h.run(EngineHarness.task(AGENT), s.executor());

    assertThat(s.toolCalls()).isEmpty();
    assertThat(answer(status)).startsWith("answer from error: InvalidArguments: ").contains("q");
    assertThat(h.reasons()).contains("ToolFailed");
  }

  @Test
  void aToolHostThatKeepsFailingOpensItsOwnBreakerNotTheModels() {
    EngineHarness h = new EngineHarness();
    String task =
        AGENT.replace(
            "  steps:",
            "    circuitBreaker: {failureRateThreshold: 50, slidingWindowSize: 4, minimumCalls: 4, openDuration: 10m}\n  steps:");
    Script first = script(args("a"), List.of(failed(Tier.Transient, "ServerError", 500)));
    AgentTaskStatus one = h.run(EngineHarness.task(task), first.executor());
    assertThat(first.toolCalls()).hasSize(4);
    assertThat(h.breakers.states("ns")).containsEntry("tools.test", "OPEN");
    assertThat(h.reasons()).contains("CircuitOpened");
    assertThat(one.phase).isEqualTo(TaskPhase.Succeeded);

    // The next task's tool call is answered at once: the breaker is open, nothing is called.
    Script second = script(args("b"), List.of(new Outcome.Success(TextNode.valueOf("never"))));
    AgentTaskStatus two = h.run(EngineHarness.task(task), second.executor());
    assertThat(second.toolCalls()).isEmpty();
    assertThat(answer(two)).startsWith("answer from error: CircuitOpen: the breaker tools.test");
    assertThat(h.breakers.states("ns")).containsEntry("llm.test/big", "CLOSED");
  }
}
