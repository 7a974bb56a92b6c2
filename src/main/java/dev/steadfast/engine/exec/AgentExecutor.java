package dev.steadfast.engine.exec;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steadfast.api.Tier;
import dev.steadfast.api.Tool;
import dev.steadfast.engine.Json;
import dev.steadfast.engine.exec.Call.AgentCall;
import java.util.List;

/**
 * One iteration of a tool-calling loop per attempt: call the model with the transcript so far; if
 * it asks for tools, run each (a failed tool call goes back to the model as an error result, not a
 * task failure) and return the longer transcript for the engine to checkpoint; if it answers,
 * validate the answer as for an llm step.
 */
public final class AgentExecutor implements Executor {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final int TOOL_TRIES = 3;
  private static final int MAX_RESULT = 8 * 1024;

  private final LlmExecutor llm;
  private final Executor tools;

  public AgentExecutor(LlmExecutor llm, Executor toolExecutor) {
    this.llm = llm;
    this.tools = toolExecutor;
  }

  @Override
  public Outcome execute(AttemptRequest request) {
    AgentCall call = (AgentCall) request.call();
    boolean anthropic = LlmExecutor.ANTHROPIC.equals(call.llm().api());
    ObjectNode body =
        anthropic
            ? LlmExecutor.anthropicRequest(call.llm())
            : LlmExecutor.openAiRequest(call.llm());
    AgentWire.addTools(body, call.tools(), anthropic);
    AgentWire.addTranscript(body, call.transcript(), anthropic);
    LlmExecutor.Exchange exchange = llm.send(request, call.llm(), body);
    if (exchange.failure() != null) {
      return new Outcome.Failed(exchange.failure());
    }
    LlmExecutor.Reply reply = exchange.reply();
    List<AgentWire.ToolCall> calls = AgentWire.toolCalls(reply.toolCalls());
    if (calls.isEmpty()) {
      return llm.validated(call.llm(), reply);
    }
    ArrayNode transcript = call.transcript() instanceof ArrayNode a ? a.deepCopy() : F.arrayNode();
    ObjectNode assistant = transcript.addObject().put("role", "assistant");
    assistant.put("content", reply.content() == null ? "" : reply.content());
    ArrayNode recorded = assistant.putArray("toolCalls");
    StringBuilder note = new StringBuilder();
    for (AgentWire.ToolCall tc : calls) {
      recorded
          .addObject()
          .put("id", tc.id())
          .put("name", tc.name())
          .set("arguments", tc.arguments());
      String result = runTool(request, call, tc);
      transcript
          .addObject()
          .put("role", "tool")
          .put("toolCallId", tc.id())
          .put("name", tc.name())
          .put("content", result);
      note.append(note.length() == 0 ? "" : ", ")
          .append(tc.name())
          .append(result.startsWith("error:") ? " (failed)" : "");
    }
    return new Outcome.Progress(transcript, "called " + note);
  }

  private String runTool(AttemptRequest request, AgentCall call, AgentWire.ToolCall tc) {
    Tool tool =
        call.tools() == null
            ? null
            : call.tools().stream().filter(t -> t.name.equals(tc.name())).findFirst().orElse(null);
    if (tool == null) {
      return "error: unknown tool " + tc.name();
    }
    Call.HttpCall http;
    try {
      http = AgentWire.render(tool, tc.arguments(), call.inputs());
    } catch (RuntimeException e) {
      return "error: InvalidRequest: " + e.getMessage();
    }
    Failure last = null;
    for (int t = 1; t <= TOOL_TRIES; t++) {
      String key = request.idempotencyKey() + "/" + tc.id() + "/" + t;
      Outcome o =
          tools.execute(
              new AttemptRequest(
                  request.namespace(), key, request.timeout(), request.classify(), http));
      if (o instanceof Outcome.Success s) {
        String text =
            s.output() == null
                ? "null"
                : s.output().isTextual() ? s.output().textValue() : Json.write(s.output());
        return text.length() > MAX_RESULT ? text.substring(0, MAX_RESULT) : text;
      }
      last = ((Outcome.Failed) o).failure();
      if (last.tier() != Tier.Transient) {
        break; // only transient tool failures are worth an immediate second try
      }
    }
    return "error: " + last.reason() + ": " + last.message();
  }
}
