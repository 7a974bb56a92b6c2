package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.local.LocalSession;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent whose final answer fails its outputSchema is asked again with the errors appended to its
 * conversation, tool results included: the model does not lose what its tools returned, and a
 * side-effecting tool does not run a second time.
 */
class AgentRepairTest {
  @TempDir Path secrets;

  @Test
  void aRepairKeepsTheToolResultsAndRunsNoToolAgain() {
    // Model call 1 asks for the tool, call 2 (after the tool result) answers malformed JSON,
    // call 3 is the repair.
    try (LlmSimulator sim =
        LlmSimulator.builder().faults(FaultPlan.parse("invalid-output@2/gpt-4o")).build().start()) {
      String spec =
          "  steps:\n    - name: research\n      retry: {maxAttempts: 3}\n      agent:\n"
              + "        llm:\n          endpoint: '"
              + sim.baseUrl()
              + "/v1'\n          model: gpt-4o\n"
              + "          messages: [{role: user, content: file the ticket}]\n"
              + "          outputSchema: {type: object, required: [answer],"
              + " properties: {answer: {type: string}}}\n"
              + "        tools:\n          - name: file_ticket\n"
              + "            parameters: {type: object, required: [title],"
              + " properties: {title: {type: string}}}\n"
              + "            http: {method: POST, url: '"
              + sim.baseUrl()
              + "/echo', body: {title: '{{ args.title }}'}}\n";
      Executor real = LocalSession.executors(Clock.systemUTC(), secrets);
      EngineHarness h = new EngineHarness();

      AgentTaskStatus status = h.run(EngineHarness.task(spec), real::execute);

      assertThat(status.phase).as(status.message).isEqualTo(TaskPhase.Succeeded);
      List<RecordedRequest> requests = sim.requests();
      assertThat(requests).filteredOn(r -> r.path().equals("/echo")).hasSize(1);
      List<RecordedRequest> model =
          requests.stream().filter(r -> r.path().endsWith("/chat/completions")).toList();
      assertThat(model).hasSize(3);
      assertThat(model.get(1).fault()).isEqualTo("invalid-output");
      String repair = model.get(2).body().path("messages").toString();
      // The repair request still carries the tool call and its result, then the bad answer and
      // what was wrong with it.
      assertThat(repair).contains("tool_calls").contains("\"role\":\"tool\"").contains("echo");
      assertThat(repair.indexOf("\"role\":\"tool\"")).isLessThan(repair.indexOf("unterminated"));
      assertThat(h.reasons()).contains("StepRetrying").doesNotContain("StepFailed");
      assertThat(status.steps.get(0).attempts).isEqualTo(4); // model, tool, model, repair
    }
  }
}
