package dev.steadfast.cli.plugin;

import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * A refused or failed request in words a person reads on one line: the API server's own message
 * when it sent one ("pod x does not have a host assigned"), else the client's first line, else the
 * cause's (connection refused), never a stack trace.
 */
final class ApiErrors {
  private ApiErrors() {}

  static String of(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      String message = e.getStatus().getMessage();
      return e.getCode() > 0 ? message + " (HTTP " + e.getCode() + ")" : message;
    }
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String text = cause == e ? e.getMessage() : e.getMessage() + ": " + cause.getMessage();
    return text == null ? e.getClass().getSimpleName() : text.lines().findFirst().orElse("");
  }
}
