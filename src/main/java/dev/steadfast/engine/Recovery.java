package dev.steadfast.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.steadfast.api.LlmStep;
import dev.steadfast.api.Step;
import dev.steadfast.api.Tier;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.llm.OutputValidator;
import java.util.Arrays;
import java.util.List;

/**
 * The specific handling of a Recoverable failure (docs/errors.md) before the fallbacks:
 * ContextOverflow truncates the conversation, InvalidOutput asks the model again with the
 * validation errors. When the handling runs out, the failure goes on to the fallback chain.
 */
final class Recovery {
  private static final int MAX_TRUNCATIONS = 8;

  private Recovery() {}

  /**
   * Readies the unit to try again and says how ("truncating ..."), or null when nothing is left to
   * try for this failure.
   */
  static String attempt(Step step, UnitCheckpoint unit, Attempt attempt, Outcome.Failed failed) {
    Failure f = failed.failure();
    if (f.tier() != Tier.Recoverable) {
      return null;
    }
    LlmStep llm = Renderer.llmFor(step, null);
    if (Reason.ContextOverflow.is(f.reason())) {
      boolean truncate = llm == null || llm.onContextOverflow != LlmStep.ContextOverflow.Fail;
      // When the last round sent the very request that overflowed before, nothing is left to cut:
      // the handling has run out, so the step goes to its fallbacks or fails with ContextOverflow
      // (docs/errors.md) instead of resending it until the loop guard calls it LoopDetected.
      boolean shrank = !LoopDetector.repeats(unit, attempt, f);
      if (truncate && shrank && Units.inc(unit.truncations) <= MAX_TRUNCATIONS) {
        unit.truncations = Units.inc(unit.truncations);
        return "truncating the conversation (round " + unit.truncations + ") and retrying";
      }
    } else if (Reason.InvalidOutput.is(f.reason())) {
      int allowed = llm == null || llm.repairAttempts == null ? 2 : llm.repairAttempts;
      if (llm != null && Units.inc(unit.repairs) <= allowed) {
        unit.repairs = Units.inc(unit.repairs);
        appendRepair(unit, failed.invalidContent(), f, llm, step.agent != null);
        return "asking again with the validation errors (repair "
            + unit.repairs
            + "/"
            + allowed
            + ")";
      }
    }
    return null;
  }

  /**
   * Appends the bad answer and what was wrong with it. An agent's transcript is its conversation —
   * the tool calls it made and their results — so the repair goes after it: dropping it would make
   * the model call its tools again, and side-effecting tools would run twice. An llm step's
   * transcript holds only repair exchanges: the model needs the last bad answer, not every one.
   */
  private static void appendRepair(
      UnitCheckpoint unit, String invalid, Failure f, LlmStep llm, boolean agent) {
    ArrayNode transcript =
        unit.transcript instanceof ArrayNode a ? a : JsonNodeFactory.instance.arrayNode();
    if (!agent) {
      transcript.removeAll();
    }
    transcript.addObject().put("role", "assistant").put("content", invalid == null ? "" : invalid);
    List<String> problems = Arrays.asList(f.message().split("; "));
    transcript
        .addObject()
        .put("role", "user")
        .put("content", OutputValidator.repairPrompt(problems, llm.outputSchema));
    unit.transcript = transcript;
  }
}
