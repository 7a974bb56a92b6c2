package dev.steadfast.executors.classify;

import dev.steadfast.api.ClassifyRule;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.Reason;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Redactor;
import dev.steadfast.engine.expr.Cel;
import dev.steadfast.engine.expr.CostLimitException;
import dev.steadfast.executors.egress.EgressDeniedException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a failed HTTP response or I/O error into a {@link Failure}: the user's {@code
 * policy.classify} rules first, then the built-in table of docs/errors.md. Messages are redacted
 * and carry at most 1 KiB of a body and no header values. Thread-safe.
 */
public final class Classifier {
  private static final List<String> QUOTA_SIGNS =
      List.of("insufficient_quota", "exceeded your current quota", "credit balance is too low");
  private static final List<String> CONTEXT_SIGNS =
      List.of(
          "context_length_exceeded",
          "prompt is too long",
          "maximum context length",
          "context window",
          "too many tokens");

  private final Redactor redactor;
  private final RetryAfter retryAfter;

  /**
   * @param clock the time an HTTP-date Retry-After is measured from
   * @param redactor the same instance the executors register secrets with: bodies are redacted
   *     before they are cut to 1 KiB, so a secret straddling the cut cannot leak in part
   */
  public Classifier(Clock clock, Redactor redactor) {
    this(new RetryAfter(clock), redactor);
  }

  /** A classifier masking nothing until {@link #with(Redactor)} gives it a task's redactor. */
  public Classifier(Clock clock) {
    this(clock, new Redactor());
  }

  private Classifier(RetryAfter retryAfter, Redactor redactor) {
    this.redactor = redactor;
    this.retryAfter = retryAfter;
  }

  /** The same classifier redacting with an attempt's (its task's) redactor. */
  public Classifier with(Redactor redactor) {
    return redactor == this.redactor ? this : new Classifier(retryAfter, redactor);
  }

  /** A response whose status was not a success, without naming the host. */
  public Failure classify(
      int status, Map<String, List<String>> headers, String body, List<ClassifyRule> rules) {
    return classify(null, status, headers, body, rules);
  }

  /** A response whose status was not a success; {@code host} (may be null) goes in the message. */
  public Failure classify(
      String host,
      int status,
      Map<String, List<String>> headers,
      String body,
      List<ClassifyRule> rules) {
    String text = body == null ? "" : body;
    String message = "HTTP " + status + from(host);
    String excerpt = redactor.excerpt(text);
    if (!excerpt.isEmpty()) {
      message += ": " + excerpt;
    }
    Duration wait = retryAfter.from(headers);
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("status", (long) status);
    response.put("headers", Headers.firstValues(headers));
    response.put("body", text);
    ClassifyRule rule;
    try {
      rule = firstMatch(rules, variables(response, "http", ""));
    } catch (CostLimitException e) {
      return tooExpensive(e, status);
    }
    Verdict verdict = rule != null ? new Verdict(rule.tier, rule.reason) : table(status, text);
    return redactor.redact(new Failure(verdict.tier(), verdict.reason(), message, status, wait));
  }

  /** An I/O failure (no response), without naming the host. */
  public Failure classify(Throwable error, List<ClassifyRule> rules) {
    return classify(null, error, rules);
  }

  /**
   * An I/O failure: Transient Timeout (request, connect or read timeout) or NetworkError (refused,
   * reset, DNS, EOF and any other exception) unless a user rule says otherwise; Fatal EgressDenied,
   * whatever the rules say, when the egress policy refused the address.
   */
  public Failure classify(String host, Throwable error, List<ClassifyRule> rules) {
    EgressDeniedException denied = find(error, EgressDeniedException.class);
    if (denied != null) {
      // docs/security.md: a refusal of the operator's, not the network's; no user rule may turn it
      // into a
      // retry, and the same request would be refused again.
      return redactor.redact(
          new Failure(Tier.Fatal, Reason.EgressDenied.name(), denied.getMessage(), null, null));
    }
    boolean timeout =
        has(error, HttpTimeoutException.class) || has(error, SocketTimeoutException.class);
    String detail = redactor.redact(describe(error));
    String kind = timeout ? "timeout" : "network";
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("status", 0L);
    response.put("headers", Map.of());
    response.put("body", "");
    ClassifyRule rule;
    try {
      rule = firstMatch(rules, variables(response, kind, detail));
    } catch (CostLimitException e) {
      return tooExpensive(e, null);
    }
    Verdict verdict =
        rule != null
            ? new Verdict(rule.tier, rule.reason)
            : new Verdict(
                Tier.Transient, timeout ? Reason.Timeout.name() : Reason.NetworkError.name());
    String message =
        (timeout ? "timeout" : "network error")
            + " calling"
            + (host == null ? " the server" : " " + host)
            + ": "
            + detail;
    return redactor.redact(new Failure(verdict.tier(), verdict.reason(), message, null, null));
  }

  /** How long the server asked us to wait, or null (see {@link RetryAfter}). */
  public Duration retryAfter(Map<String, List<String>> headers) {
    return retryAfter.from(headers);
  }

  /**
   * The first user rule whose {@code when} is true for these variables, or null. A rule that does
   * not compile, fails at evaluation (for example a missing header key) or is incomplete is
   * skipped: a mistake in one rule must not turn every failure into a crash of the classifier
   * ({@code steadfast validate} reports rules that do not compile).
   */
  public static ClassifyRule firstMatch(List<ClassifyRule> rules, Map<String, ?> variables) {
    if (rules == null) {
      return null;
    }
    for (ClassifyRule rule : rules) {
      if (rule == null || rule.when == null || rule.tier == null || rule.reason == null) {
        continue;
      }
      try {
        if (Cel.tasks().evalBoolean(rule.when, variables)) {
          return rule;
        }
      } catch (CostLimitException e) {
        throw e; // docs/security.md: over the CEL cost limit is InvalidSpec, not a rule to skip.
      } catch (RuntimeException e) {
        // Skipped on purpose, see above.
      }
    }
    return null;
  }

  private Failure tooExpensive(CostLimitException e, Integer status) {
    return redactor.redact(
        new Failure(
            Tier.Fatal,
            Reason.InvalidSpec.name(),
            "classify rule: " + e.getMessage(),
            status,
            null));
  }

  /** The built-in table of docs/errors.md for a status that was not a success. */
  static Verdict table(int status, String body) {
    return switch (status) {
      case 408, 500, 502, 504 -> new Verdict(Tier.Transient, Reason.ServerError.name());
      case 503, 529 -> new Verdict(Tier.Transient, Reason.Overloaded.name());
      case 429 ->
          says(body, QUOTA_SIGNS)
              ? new Verdict(Tier.Fatal, Reason.QuotaExhausted.name())
              : new Verdict(Tier.Transient, Reason.RateLimited.name());
      case 401 -> new Verdict(Tier.Fatal, Reason.Unauthorized.name());
      case 403 -> new Verdict(Tier.Fatal, Reason.Forbidden.name());
      case 404, 410 -> new Verdict(Tier.Fatal, Reason.NotFound.name());
      case 400, 413 ->
          says(body, CONTEXT_SIGNS)
              ? new Verdict(Tier.Recoverable, Reason.ContextOverflow.name())
              : new Verdict(Tier.Recoverable, Reason.InvalidRequest.name());
      default ->
          status >= 500
              ? new Verdict(Tier.Transient, Reason.ServerError.name())
              // Other 4xx, and a 1xx-3xx the step did not list as success: the same request would
              // get the same answer, so no identical retry (fallbacks, else fail).
              : new Verdict(Tier.Recoverable, Reason.InvalidRequest.name());
    };
  }

  record Verdict(Tier tier, String reason) {}

  private static boolean says(String body, List<String> signs) {
    String lower = body.toLowerCase(Locale.ROOT);
    return signs.stream().anyMatch(lower::contains);
  }

  private static Map<String, Object> variables(
      Map<String, Object> response, String kind, String message) {
    return Map.of("response", response, "error", Map.of("kind", kind, "message", message));
  }

  private static String from(String host) {
    return host == null || host.isEmpty() ? "" : " from " + host;
  }

  private static boolean has(Throwable error, Class<? extends Throwable> type) {
    return find(error, type) != null;
  }

  // HttpClient wraps the cause that says what happened (a ConnectException inside an
  // IOException, and so on), so the chain is searched rather than the top exception alone.
  private static <T extends Throwable> T find(Throwable error, Class<T> type) {
    Throwable t = error;
    for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static String describe(Throwable error) {
    if (error == null) {
      return "unknown error";
    }
    UnknownHostException dns = find(error, UnknownHostException.class);
    if (dns != null) {
      return "DNS lookup failed" + (dns.getMessage() == null ? "" : " for " + dns.getMessage());
    }
    ConnectException refused = find(error, ConnectException.class);
    if (refused != null && !has(error, HttpTimeoutException.class)) {
      // The JDK client often throws it without a message.
      String m = refused.getMessage();
      return m == null || m.isBlank() ? "connection refused" : m.strip();
    }
    Throwable specific =
        find(error, IOException.class) != null ? find(error, IOException.class) : error;
    String message = specific.getMessage();
    if (message == null || message.isBlank()) {
      message = error.getMessage();
    }
    String name = specific.getClass().getSimpleName();
    String text = message == null || message.isBlank() ? name : message.strip() + " (" + name + ")";
    return Redactor.capUtf8(text, Redactor.MAX_EXCERPT_BYTES);
  }
}
