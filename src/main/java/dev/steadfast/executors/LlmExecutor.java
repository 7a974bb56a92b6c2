package dev.steadfast.executors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.OutputLimit;
import dev.steadfast.engine.Reason;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call.LlmCall;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.exec.Redactor;
import dev.steadfast.engine.exec.TokenUsage;
import dev.steadfast.engine.llm.OutputValidator;
import dev.steadfast.executors.Secrets.SecretNotAllowedException;
import dev.steadfast.executors.Secrets.SecretNotFoundException;
import dev.steadfast.executors.classify.Classifier;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;

/**
 * Runs {@code llm} steps (docs/tasks.md): one chat completion per attempt in the openai or
 * anthropic wire format. Provider errors are classified by status and body; a 2xx reply must also
 * be usable output (OutputValidator), else it is Recoverable InvalidOutput and the reply is kept
 * for repair.
 *
 * @param transport shared by every executor; its egress policy decides where requests may go
 * @param classifier redacts with each attempt's redactor (see {@link AttemptRequest#redactor()})
 * @param rates told what every reply says about the provider's limit (adaptive concurrency)
 */
public record LlmExecutor(
    HttpTransport transport,
    Secrets secrets,
    Classifier classifier,
    OutputValidator validator,
    RateHeaders rates)
    implements Executor {
  public static final String OPENAI = "openai";
  public static final String ANTHROPIC = "anthropic";

  /** Without adaptive concurrency. */
  public LlmExecutor(
      HttpTransport transport, Secrets secrets, Classifier classifier, OutputValidator validator) {
    this(transport, secrets, classifier, validator, RateHeaders.off());
  }

  /**
   * What the model answered, independent of the wire format.
   *
   * @param content the text (null when the model only asked for tool calls)
   * @param cutOff the provider stopped at the token limit
   * @param toolCalls the tool calls asked for, as the provider sent them, or null
   * @param usage the tokens the provider reported for the call, or null when it reported none
   */
  public record Reply(String content, boolean cutOff, JsonNode toolCalls, TokenUsage usage) {}

  public static ObjectNode openAiRequest(LlmCall call) {
    return OpenAiWire.request(call);
  }

  public static ObjectNode anthropicRequest(LlmCall call) {
    return AnthropicWire.request(call);
  }

  /**
   * @throws IllegalArgumentException when the body is not a chat completion
   */
  public static Reply parseOpenAi(JsonNode body) {
    return OpenAiWire.parse(body);
  }

  /**
   * @throws IllegalArgumentException when the body is not a Messages API reply
   */
  public static Reply parseAnthropic(JsonNode body) {
    return AnthropicWire.parse(body);
  }

  /** JSON is wanted when asked for, or implied by an output schema. */
  public static boolean wantsJson(LlmCall call) {
    return call.json() || hasSchema(call);
  }

  static boolean hasSchema(LlmCall call) {
    JsonNode schema = call.schema();
    return schema != null && !schema.isNull() && !schema.isMissingNode();
  }

  /**
   * The instruction added to the system prompt when JSON is wanted, else null. Providers' JSON
   * modes are not universal (many local servers ignore response_format), so the request says it in
   * words too; the simulator keys on the literal "JSON Schema:" marker to find the schema.
   */
  public static String jsonInstruction(LlmCall call) {
    if (!wantsJson(call)) {
      return null;
    }
    return hasSchema(call)
        ? "Respond with JSON only, matching this JSON Schema:\n" + call.schema()
        : "Respond with JSON only.";
  }

  /** A model reply, or the classified failure that prevented one. */
  public record Exchange(Reply reply, Failure failure) {}

  @Override
  public Outcome execute(AttemptRequest request) {
    if (!(request.call() instanceof LlmCall call)) {
      return fatal(
          request.redactor(),
          Reason.InvalidSpec.name(),
          "the llm executor cannot run " + request.call());
    }
    String api = call.api() == null ? OPENAI : call.api().toLowerCase(Locale.ROOT);
    ObjectNode body = api.equals(ANTHROPIC) ? anthropicRequest(call) : openAiRequest(call);
    Exchange exchange = send(request, call, body);
    if (exchange.failure() != null) {
      return new Outcome.Failed(exchange.failure());
    }
    return validated(request.redactor(), call, exchange.reply());
  }

  /**
   * Sends a prepared request body (the agent loop adds tools and a transcript to it) and parses the
   * provider's reply; never throws.
   */
  public Exchange send(AttemptRequest request, LlmCall call, ObjectNode body) {
    Redactor redactor = request.redactor();
    Classifier classifier = this.classifier.with(redactor);
    String api = call.api() == null ? OPENAI : call.api().toLowerCase(Locale.ROOT);
    if (!api.equals(OPENAI) && !api.equals(ANTHROPIC)) {
      return failure(
          redactor,
          fatalFailure(
              Reason.InvalidSpec.name(),
              "unknown llm.api \"" + call.api() + "\" (openai or anthropic)"));
    }
    URI uri;
    try {
      uri =
          Requests.uri(
              endpoint(call.endpoint()) + (api.equals(OPENAI) ? "/chat/completions" : "/messages"));
    } catch (IllegalArgumentException e) {
      return failure(
          redactor, fatalFailure(Reason.InvalidSpec.name(), "llm.endpoint: " + e.getMessage()));
    }
    String host = uri.getHost();
    // Azure-style gateways take the key in the endpoint's query (?api-key=...).
    Requests.registerCredentials(redactor, null, uri);
    try {
      HttpTransport.Response response =
          transport.send(build(request, call, api, uri, body), HttpTransport.timeoutOf(request));
      rates.observe(request.namespace(), call, response.headers());
      if (response.status() < 200 || response.status() > 299) {
        return failure(
            redactor,
            classifier.classify(
                host, response.status(), response.headers(), response.body(), request.classify()));
      }
      return parse(redactor, api, response.body(), host);
    } catch (SecretNotFoundException e) {
      return failure(redactor, fatalFailure(Reason.SecretNotFound.name(), e.getMessage()));
    } catch (SecretNotAllowedException e) {
      return failure(redactor, fatalFailure(Reason.SecretNotAllowed.name(), e.getMessage()));
    } catch (BoundedBody.TooLargeException e) {
      if (e.status() < 200 || e.status() > 299) {
        // An error page too long to read is still the error its status says.
        return failure(
            redactor, classifier.classify(host, e.status(), Map.of(), "", request.classify()));
      }
      return failure(redactor, fatalFailure(OutputLimit.REASON, e.getMessage()));
    } catch (IOException e) {
      return failure(redactor, classifier.classify(host, e, request.classify()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failure(redactor, classifier.classify(host, e, request.classify()));
    } catch (IllegalArgumentException e) {
      return failure(
          redactor,
          fatalFailure(Reason.InvalidSpec.name(), "invalid llm request: " + e.getMessage()));
    } catch (RuntimeException e) {
      return failure(redactor, classifier.classify(host, e, request.classify()));
    }
  }

  private static Exchange failure(Redactor redactor, Failure f) {
    return new Exchange(null, redactor.redact(f));
  }

  private static Failure fatalFailure(String reason, String message) {
    return Failure.of(Tier.Fatal, reason, message);
  }

  private ClassicHttpRequest build(
      AttemptRequest request, LlmCall call, String api, URI uri, ObjectNode body)
      throws SecretNotFoundException, SecretNotAllowedException {
    ClassicRequestBuilder builder =
        Requests.request("POST", uri).setHeader("Content-Type", "application/json");
    // No key is fine: local servers (Ollama, vLLM) usually run without one.
    if (call.apiKey() != null) {
      String key =
          Requests.secret(secrets, request.redactor(), request.namespace(), call.apiKey(), uri);
      if (api.equals(OPENAI)) {
        Requests.header(builder, "Authorization", "Bearer " + key, false);
      } else {
        Requests.header(builder, "x-api-key", key, false);
      }
    }
    if (api.equals(ANTHROPIC)) {
      builder.addHeader("anthropic-version", AnthropicWire.VERSION);
    }
    Requests.idempotencyKey(builder, request);
    return builder
        .setEntity(new ByteArrayEntity(body.toString().getBytes(StandardCharsets.UTF_8), null))
        .build();
  }

  private static Exchange parse(Redactor redactor, String api, String body, String host) {
    try {
      JsonNode json = Requests.STRICT_JSON.readTree(body == null ? "" : body);
      return new Exchange(api.equals(OPENAI) ? parseOpenAi(json) : parseAnthropic(json), null);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      return failure(
          redactor,
          Failure.of(
              Tier.Recoverable,
              Reason.InvalidOutput.name(),
              "reply from "
                  + host
                  + " is not a "
                  + api
                  + " chat reply ("
                  + why
                  + "): "
                  + redactor.excerpt(body)));
    }
  }

  /**
   * The usage block of a reply in either format (OpenAI prompt/completion tokens, Anthropic
   * input/output tokens), or null when there is none or it is not two counts.
   */
  static TokenUsage usage(JsonNode body, String input, String output) {
    JsonNode usage = body == null ? null : body.path("usage");
    if (usage == null
        || !usage.path(input).canConvertToLong()
        || !usage.path(output).canConvertToLong()
        || usage.path(input).asLong() < 0
        || usage.path(output).asLong() < 0) {
      return null;
    }
    return new TokenUsage(usage.path(input).asLong(), usage.path(output).asLong());
  }

  /** Checks a final answer as docs/tasks.md says (JSON, schema, empty, cut off). */
  Outcome validated(Redactor redactor, LlmCall call, Reply reply) {
    OutputValidator.Result result;
    try {
      result = validator.validate(reply.content(), wantsJson(call), call.schema(), reply.cutOff());
    } catch (IllegalArgumentException e) {
      // The schema itself is unusable: no repair of the output can fix that.
      Failure unusable = Failure.of(Tier.Fatal, Reason.InvalidSpec.name(), e.getMessage());
      return new Outcome.Failed(redactor.redact(unusable), null, reply.usage());
    }
    if (result.valid()) {
      return new Outcome.Success(result.value(), reply.usage());
    }
    String problems =
        Redactor.capUtf8(String.join("; ", result.problems()), Redactor.MAX_EXCERPT_BYTES);
    Failure failure =
        new Failure(Tier.Recoverable, Reason.InvalidOutput.name(), problems, null, null);
    return new Outcome.Failed(
        redactor.redact(failure), redactor.redact(reply.content()), reply.usage());
  }

  private static String endpoint(String endpoint) {
    if (endpoint == null || endpoint.isBlank()) {
      throw new IllegalArgumentException("endpoint is empty");
    }
    String e = endpoint.strip();
    while (e.endsWith("/")) {
      e = e.substring(0, e.length() - 1);
    }
    return e;
  }

  private static Outcome fatal(Redactor redactor, String reason, String message) {
    return failed(redactor, Failure.of(Tier.Fatal, reason, message));
  }

  private static Outcome failed(Redactor redactor, Failure failure) {
    return new Outcome.Failed(redactor.redact(failure));
  }
}
