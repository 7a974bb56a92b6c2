package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * docs/tasks.md, agents: "The transcript is checkpointed after every iteration, so a restart
 * resumes mid-conversation." The restart is a fresh engine given the checkpoint after a JSON round
 * trip, as both stores keep it; no model turn or tool call that finished is sent again.
 */
class AgentResumeTest {
  static final String AGENT =
      "  steps:\n    - name: research\n      agent:\n"
          + "        llm: {endpoint: 'http://llm.test/v1', model: big, messages: [{role: user, content: hi}]}\n"
          + "        tools:\n"
          + "          - name: lookup\n"
          + "            parameters: {type: object, properties: {q: {type: string}}}\n"
          + "            http: {url: 'http://tools.test/search?q={{ args.q }}'}\n";

  /** Asks lookup(first), then lookup(second), then answers with both results it was given. */
  static Outcome model(AttemptRequest r) {
    List<String> results = new ArrayList<>();
    JsonNode transcript = ((Call.AgentCall) r.call()).transcript();
    if (transcript != null) {
      for (JsonNode m : transcript) {
        if (m.path("role").asText().equals("tool")) {
          results.add(m.path("content").asText());
        }
      }
    }
    if (results.size() == 2) {
      return new Outcome.Success(TextNode.valueOf("answer from " + String.join(" + ", results)));
    }
    String q = results.isEmpty() ? "first" : "second";
    // As AgentExecutor does: the transcript so far plus the new assistant turn.
    ArrayNode t =
        transcript instanceof ArrayNode a ? a.deepCopy() : JsonNodeFactory.instance.arrayNode();
    var call = t.addObject().put("role", "assistant").put("content", "").putArray("toolCalls");
    call.addObject()
        .put("id", "c" + results.size())
        .put("name", "lookup")
        .set("arguments", JsonNodeFactory.instance.objectNode().put("q", q));
    return new Outcome.Progress(t, "calling lookup");
  }

  static Outcome execute(AttemptRequest r) {
    if (r.call() instanceof Call.AgentCall) {
      return model(r);
    }
    String url = ((Call.HttpCall) r.call()).url();
    return new Outcome.Success(
        TextNode.valueOf("result of " + url.substring(url.indexOf('=') + 1)));
  }

  /** What the outside world saw of one request: which call, with which key. */
  static String seen(AttemptRequest r) {
    String what =
        r.call() instanceof Call.HttpCall http
            ? "tool " + http.url()
            : "model turn with "
                + (((Call.AgentCall) r.call()).transcript() == null
                    ? 0
                    : ((Call.AgentCall) r.call()).transcript().size())
                + " transcript messages";
    return what + " key=" + r.idempotencyKey();
  }

  /** Runs attempts one at a time until {@code count} have finished; none is left in flight. */
  static AgentTaskStatus runFor(EngineHarness h, TaskRef t, int count) {
    AgentTaskStatus s = new AgentTaskStatus();
    h.events.addAll(h.engine.prepare(t, s));
    while (h.requests.size() < count) {
      Plan plan = h.engine.plan(t, s, Set.of(), h.events);
      assertThat(plan.finished()).as("finished before attempt %d", count).isFalse();
      if (plan.start().isEmpty()) {
        h.clock.set(plan.wakeAt());
        continue;
      }
      Attempt a = plan.start().get(0);
      h.requests.add(a.request());
      h.engine.complete(t, s, a, execute(a.request()), java.time.Duration.ofMillis(5), h.events);
    }
    return s;
  }

  @Test
  void aRestartAfterAnyFinishedModelTurnOrToolCallRepeatsNothing() {
    TaskRef t = EngineHarness.task(AGENT);
    EngineHarness whole = new EngineHarness();
    AgentTaskStatus uninterrupted = whole.run(t, AgentResumeTest::execute);
    assertThat(uninterrupted.phase).as(uninterrupted.message).isEqualTo(TaskPhase.Succeeded);
    List<String> expected = whole.requests.stream().map(AgentResumeTest::seen).toList();
    // model, tool first, model, tool second, model
    assertThat(expected).hasSize(5).doesNotHaveDuplicates();
    String answer = "answer from result of first + result of second";
    assertThat(uninterrupted.steps.get(0).output.asText()).isEqualTo(answer);

    for (int cut : IntStream.range(1, expected.size()).toArray()) {
      EngineHarness before = new EngineHarness();
      AgentTaskStatus checkpoint = runFor(before, t, cut);

      AgentTaskStatus restored = Json.copy(checkpoint, AgentTaskStatus.class);
      EngineHarness after = new EngineHarness();
      AgentTaskStatus done = after.resume(t, restored, AgentResumeTest::execute, 100);

      List<String> seen = new ArrayList<>();
      before.requests.forEach(r -> seen.add(seen(r)));
      after.requests.forEach(r -> seen.add(seen(r)));
      assertThat(seen).as("restart after %d attempts", cut).isEqualTo(expected);
      assertThat(done.phase).isEqualTo(TaskPhase.Succeeded);
      assertThat(done.steps.get(0).output.asText()).isEqualTo(answer);
    }
  }

  @Test
  void aToolCallInFlightAtTheRestartIsSentAgainOnceWithItsKey() {
    TaskRef t = EngineHarness.task(AGENT);
    EngineHarness before = new EngineHarness();
    AgentTaskStatus s = runFor(before, t, 1);
    Plan p = before.engine.plan(t, s, Set.of(), before.events);
    AttemptRequest inFlight = p.start().get(0).request();
    assertThat(inFlight.call()).isInstanceOf(Call.HttpCall.class);
    // The process dies here, with the tool call sent but its result not checkpointed.

    EngineHarness after = new EngineHarness();
    AgentTaskStatus done =
        after.resume(t, Json.copy(s, AgentTaskStatus.class), AgentResumeTest::execute, 100);

    assertThat(done.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(after.requests).hasSize(4);
    assertThat(seen(after.requests.get(0))).isEqualTo(seen(inFlight));
    assertThat(before.requests.get(0).call()).isInstanceOf(Call.AgentCall.class);
    assertThat(after.requests)
        .filteredOn(r -> r.call() instanceof Call.AgentCall)
        .as("the first model turn is not repeated")
        .hasSize(2);
  }
}
