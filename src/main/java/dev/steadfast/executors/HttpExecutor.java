package dev.steadfast.executors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.OutputLimit;
import dev.steadfast.engine.Reason;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call.HttpCall;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.exec.Redactor;
import dev.steadfast.engine.expr.Cel;
import dev.steadfast.engine.expr.CelValues;
import dev.steadfast.engine.expr.ExpressionException;
import dev.steadfast.executors.Secrets.SecretNotAllowedException;
import dev.steadfast.executors.Secrets.SecretNotFoundException;
import dev.steadfast.executors.classify.Classifier;
import dev.steadfast.executors.classify.Headers;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;

/**
 * Runs {@code http} steps (docs/tasks.md): one request per attempt, the response classified.
 *
 * @param transport shared by every executor; its egress policy decides where requests may go
 * @param classifier redacts with each attempt's redactor (see {@link AttemptRequest#redactor()})
 */
public record HttpExecutor(HttpTransport transport, Secrets secrets, Classifier classifier)
    implements Executor {
  @Override
  public Outcome execute(AttemptRequest request) {
    Redactor redactor = request.redactor();
    if (!(request.call() instanceof HttpCall call)) {
      return fatal(
          redactor, Reason.InvalidSpec.name(), "the http executor cannot run " + request.call());
    }
    URI uri;
    try {
      uri = Requests.uri(call.url());
    } catch (IllegalArgumentException e) {
      return fatal(redactor, Reason.InvalidSpec.name(), e.getMessage());
    }
    Classifier classifier = this.classifier.with(redactor);
    try {
      HttpTransport.Response response = transport.send(build(request, call, uri), timeout(request));
      if (!successful(call, response.status())) {
        return failed(
            redactor,
            classifier.classify(
                uri.getHost(),
                response.status(),
                response.headers(),
                response.body(),
                request.classify()));
      }
      return output(redactor, call, response, uri.getHost());
    } catch (SecretNotFoundException e) {
      return fatal(redactor, Reason.SecretNotFound.name(), e.getMessage());
    } catch (SecretNotAllowedException e) {
      return fatal(redactor, Reason.SecretNotAllowed.name(), e.getMessage());
    } catch (BoundedBody.TooLargeException e) {
      if (!successful(call, e.status())) {
        // An error page too long to read is still the error its status says.
        return failed(
            redactor,
            classifier.classify(uri.getHost(), e.status(), Map.of(), "", request.classify()));
      }
      return fatal(redactor, OutputLimit.REASON, e.getMessage());
    } catch (IOException e) {
      return failed(redactor, classifier.classify(uri.getHost(), e, request.classify()));
    } catch (InterruptedException e) {
      // The driver is shutting down; the attempt will run again after a restart.
      Thread.currentThread().interrupt();
      return failed(redactor, classifier.classify(uri.getHost(), e, request.classify()));
    } catch (IllegalArgumentException e) {
      // Requests refuses invalid methods, header names and values, and headers the client sets.
      return fatal(redactor, Reason.InvalidSpec.name(), "invalid http request: " + e.getMessage());
    } catch (RuntimeException e) {
      return failed(redactor, classifier.classify(uri.getHost(), e, request.classify()));
    }
  }

  private ClassicHttpRequest build(AttemptRequest request, HttpCall call, URI uri)
      throws SecretNotFoundException, SecretNotAllowedException {
    Redactor redactor = request.redactor();
    String method = call.method() == null ? "GET" : call.method().toUpperCase(Locale.ROOT);
    ClassicRequestBuilder builder = Requests.request(method, uri);
    Map<String, String> headers = call.headers() == null ? Map.of() : call.headers();
    Requests.registerCredentials(redactor, headers, uri);
    headers.forEach((name, value) -> Requests.header(builder, name, value, false));
    String body = call.body();
    if (Requests.looksLikeJson(body) && !hasHeader(headers, "content-type")) {
      builder.setHeader("Content-Type", "application/json");
    }
    if (call.auth() != null) {
      if (call.auth().secretRef == null) {
        throw new IllegalArgumentException("auth.secretRef is required");
      }
      String secret =
          Requests.secret(secrets, redactor, request.namespace(), call.auth().secretRef, uri);
      Requests.AuthHeader auth = Requests.authHeader(call.auth(), secret);
      // The encoded form (Basic) is what an echoing server would send back.
      redactor.register(auth.value());
      Requests.header(builder, auth.name(), auth.value(), true);
    }
    Requests.idempotencyKey(builder, request);
    if (body != null && !body.isEmpty()) {
      // No content type of its own: the step's header or the JSON default above says it.
      builder.setEntity(new ByteArrayEntity(body.getBytes(StandardCharsets.UTF_8), null));
    }
    return builder.build();
  }

  private Outcome output(
      Redactor redactor, HttpCall call, HttpTransport.Response response, String host) {
    String format =
        call.outputFormat() == null ? "json" : call.outputFormat().toLowerCase(Locale.ROOT);
    JsonNode body;
    switch (format) {
      case "text" -> body = TextNode.valueOf(response.body());
      case "json" -> {
        if (response.body() == null || response.body().isBlank()) {
          // 204 No Content, HEAD: nothing to parse, and nothing wrong either.
          body = NullNode.getInstance();
        } else {
          try {
            body = Requests.STRICT_JSON.readTree(response.body());
          } catch (JsonProcessingException e) {
            // docs/errors.md: no repair can heal an http body, but a server that sent a broken or
            // cut
            // body (a proxy's HTML error page, a dropped connection mid-body) often answers
            // right the next time: retried as Transient, then fallbacks.
            return failed(
                redactor,
                Failure.of(
                    Tier.Transient,
                    Reason.InvalidOutput.name(),
                    "response from " + host + " is not JSON: " + e.getOriginalMessage()));
          }
        }
      }
      default -> {
        return fatal(
            redactor,
            Reason.InvalidSpec.name(),
            "unknown output.format \"" + call.outputFormat() + "\"");
      }
    }
    if (call.select() == null || call.select().isBlank()) {
      return new Outcome.Success(body);
    }
    Map<String, Object> vars = new LinkedHashMap<>();
    vars.put("status", (long) response.status());
    vars.put("headers", Headers.firstValues(response.headers()));
    vars.put("body", CelValues.fromJson(body));
    try {
      return new Outcome.Success(
          CelValues.toJson(Cel.tasks().eval(call.select(), Map.of("response", vars))));
    } catch (ExpressionException e) {
      return fatal(redactor, Reason.InvalidSpec.name(), "output.select: " + e.getMessage());
    }
  }

  private static boolean successful(HttpCall call, int status) {
    List<Integer> codes = call.successCodes();
    return codes == null || codes.isEmpty()
        ? status >= 200 && status <= 299
        : codes.contains(status);
  }

  private static boolean hasHeader(Map<String, String> headers, String name) {
    return headers.keySet().stream().anyMatch(name::equalsIgnoreCase);
  }

  private static Duration timeout(AttemptRequest request) {
    return HttpTransport.timeoutOf(request);
  }

  private static Outcome fatal(Redactor redactor, String reason, String message) {
    return failed(redactor, Failure.of(Tier.Fatal, reason, message));
  }

  private static Outcome failed(Redactor redactor, Failure failure) {
    return new Outcome.Failed(redactor.redact(failure));
  }
}
