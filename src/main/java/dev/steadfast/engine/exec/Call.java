package dev.steadfast.engine.exec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.HttpAuth;
import dev.steadfast.api.SecretKeyRef;
import dev.steadfast.engine.llm.ChatMessage;
import java.util.List;
import java.util.Map;

/** A fully resolved request (templates rendered), ready for an executor. */
public sealed interface Call {
  /** An HTTP call. {@code body} is already serialized; {@code outputFormat} is json or text. */
  record HttpCall(
      String method,
      String url,
      Map<String, String> headers,
      String body,
      HttpAuth auth,
      List<Integer> successCodes,
      String outputFormat,
      String select)
      implements Call {

    /** Renders an http step (or tool, or fallback) against CEL variables. */
    public static HttpCall render(dev.steadfast.api.HttpStep http, Map<String, ?> vars) {
      var cel = dev.steadfast.engine.expr.Cel.tasks();
      Map<String, String> headers = new java.util.LinkedHashMap<>();
      if (http.headers != null) {
        http.headers.forEach(
            (k, v) -> headers.put(k, dev.steadfast.engine.expr.Template.renderText(cel, v, vars)));
      }
      String body = null;
      if (http.body != null) {
        JsonNode rendered = dev.steadfast.engine.expr.Template.renderDeep(cel, http.body, vars);
        body = rendered.isTextual() ? rendered.textValue() : rendered.toString();
      }
      return new HttpCall(
          http.method == null ? "GET" : http.method.name(),
          dev.steadfast.engine.expr.UrlTemplate.render(cel, http.url, vars),
          headers,
          body,
          http.auth,
          http.successCodes,
          http.output == null || http.output.format == null ? "json" : http.output.format.name(),
          http.output == null ? null : http.output.select);
    }

    /**
     * A tool's HTTP call (agent steps) with its templates rendered against the model's arguments:
     * only {@code args} and {@code inputs} are bound, every other task variable is null.
     */
    public static HttpCall forTool(
        dev.steadfast.api.Tool tool, JsonNode arguments, JsonNode inputs) {
      Map<String, Object> vars = new java.util.HashMap<>();
      for (String v : dev.steadfast.engine.expr.Cel.TASK_VARIABLES) {
        vars.put(v, dev.steadfast.engine.expr.CelValues.fromJson(null));
      }
      vars.put("args", dev.steadfast.engine.expr.CelValues.fromJson(arguments));
      vars.put(
          "inputs",
          dev.steadfast.engine.expr.CelValues.fromJson(
              inputs == null
                  ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                  : inputs));
      return render(tool.http, vars);
    }
  }

  /** One chat completion. {@code api} is openai or anthropic. */
  record LlmCall(
      String api,
      String endpoint,
      String model,
      SecretKeyRef apiKey,
      List<ChatMessage> messages,
      Integer maxTokens,
      Double temperature,
      boolean json,
      JsonNode schema)
      implements Call {
    /**
     * Anthropic requires max_tokens; this is sent when the step sets none (enough for most
     * structured answers), and it is what a budget counts such a call could spend.
     */
    public static final int ANTHROPIC_DEFAULT_MAX_TOKENS = 1024;

    /** The most output tokens the call may produce, or null when nothing bounds it. */
    public Integer outputBound() {
      if (maxTokens != null) {
        return maxTokens;
      }
      return "anthropic".equalsIgnoreCase(api) ? ANTHROPIC_DEFAULT_MAX_TOKENS : null;
    }
  }

  /** A tool-calling loop: the model call plus the tools and the transcript so far. */
  record AgentCall(
      LlmCall llm,
      List<dev.steadfast.api.Tool> tools,
      Integer maxIterations,
      JsonNode transcript,
      JsonNode inputs)
      implements Call {}

  /**
   * A container step; only the operator can run it. {@code job} has its args and env values
   * rendered; {@code taskName} owns the Job; {@code inputs} are mounted under /steadfast/inputs.
   */
  record JobCall(dev.steadfast.api.JobStep job, String taskName, JsonNode inputs) implements Call {}
}
