package dev.steadfast.engine.ratelimit;

import dev.steadfast.api.SecretKeyRef;
import dev.steadfast.engine.exec.Call;
import java.net.URI;

/**
 * Whose rate limit a model call spends: the endpoint's host and the API key it presents, named by
 * the task's namespace and the Secret (name and key) the value comes from. Two teams with different
 * keys never share a limit; a call without a key shares its namespace's keyless limit for that
 * host. Only {@link #host()} is ever shown (messages, metrics), never the Secret.
 */
public record EndpointKey(String host, String namespace, String secret, String secretKey) {

  /** The key of a model call ({@code llm} or an agent's model turn), or null for anything else. */
  public static EndpointKey of(String namespace, Call call) {
    Call.LlmCall llm =
        call instanceof Call.LlmCall l ? l : call instanceof Call.AgentCall a ? a.llm() : null;
    if (llm == null || llm.endpoint() == null) {
      return null;
    }
    String host;
    try {
      host = URI.create(llm.endpoint().strip()).getHost();
    } catch (IllegalArgumentException e) {
      return null; // the executor refuses the endpoint with a reason; nothing to pace
    }
    if (host == null) {
      return null;
    }
    SecretKeyRef ref = llm.apiKey();
    return new EndpointKey(
        host.toLowerCase(java.util.Locale.ROOT),
        namespace,
        ref == null ? null : ref.name,
        ref == null ? null : ref.key);
  }
}
