package dev.steadfast.executors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call.AgentCall;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.exec.Outcome;
import java.util.List;

/**
 * One model call of a tool-calling loop per attempt: call the model with the transcript so far; if
 * it answers, validate the answer as for an llm step; if it asks for tools, return the transcript
 * with its request for the engine to checkpoint. The engine then runs each tool call as an attempt
 * of its own (retries with backoff, its own circuit breaker, durable waits) and appends the
 * results, and the next model call sees them.
 */
public final class AgentExecutor implements Executor {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final LlmExecutor llm;

  public AgentExecutor(LlmExecutor llm) {
    this.llm = llm;
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
      return llm.validated(request.redactor(), call.llm(), reply);
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
      note.append(note.length() == 0 ? "" : ", ").append(tc.name());
    }
    return new Outcome.Progress(transcript, "calling " + note, reply.usage());
  }
}
