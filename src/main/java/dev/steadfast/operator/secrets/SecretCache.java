package dev.steadfast.operator.secrets;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * The Secrets that steps use, read once per resourceVersion instead of once per attempt. An entry
 * is served only while the Secret informer ({@code SecretChanges}) reports the same resourceVersion
 * for it; when the informer reports another, none, or has not synced yet, the Secret is read again
 * with a GET and that result is held. So a Secret created after its task is found (the GET), and a
 * deleted one is SecretNotFound again (the GET answers nothing and the entry goes). Only Secrets a
 * step asked for are held in full, never every Secret of the watched namespaces; the informer keeps
 * names and versions only, and drops an entry here when its Secret changes or goes.
 */
public final class SecretCache {
  private final KubernetesClient client;
  private final Map<String, Secret> held = new ConcurrentHashMap<>();
  // A lock per Secret read: one per Secret name a step has used, a few bytes each.
  private final Map<String, Object> reading = new ConcurrentHashMap<>();
  // (namespace, name) → the informer's resourceVersion: "" for a Secret it does not hold, null
  // when no synced informer covers the namespace (then nothing held can be trusted).
  private volatile BiFunction<String, String, String> versions = (ns, name) -> null;

  public SecretCache(KubernetesClient client) {
    this.client = client;
  }

  /** Where the current versions come from: the Secret informers once they are started. */
  public void versionsFrom(BiFunction<String, String, String> versions) {
    this.versions = versions;
  }

  /** The Secret, or null if it does not exist. */
  public Secret get(String namespace, String name) {
    String key = Cache.namespaceKeyFunc(namespace, name);
    Secret secret = current(key, versions.apply(namespace, name));
    if (secret != null) {
      return secret;
    }
    // One GET for the attempts that start together on a Secret not held yet, not one each.
    synchronized (reading.computeIfAbsent(key, k -> new Object())) {
      String known = versions.apply(namespace, name);
      secret = current(key, known);
      if (secret != null) {
        return secret;
      }
      secret = client.secrets().inNamespace(namespace).withName(name).get();
      if (secret == null || known == null) {
        held.remove(key); // nothing to check an entry against: not held
      } else {
        // An older version put here after a newer one is never served: its version won't match.
        held.put(key, secret);
      }
      return secret;
    }
  }

  private Secret current(String key, String known) {
    Secret secret = held.get(key);
    return secret != null
            && known != null
            && known.equals(secret.getMetadata().getResourceVersion())
        ? secret
        : null;
  }

  /**
   * The Secret's resourceVersion, "missing" if it does not exist: from the informer when it knows,
   * without a GET.
   */
  public String version(String namespace, String name) {
    String known = versions.apply(namespace, name);
    if (known != null && !known.isEmpty()) {
      return known;
    }
    Secret secret = get(namespace, name);
    return secret == null ? "missing" : secret.getMetadata().getResourceVersion();
  }

  /** The informer saw the Secret change or go: its value is not kept any longer than needed. */
  public void forget(String namespace, String name) {
    held.remove(Cache.namespaceKeyFunc(namespace, name));
  }

  /** Secrets held in full, for tests. */
  public int size() {
    return held.size();
  }

  /** Reads every time and holds nothing: for code paths without an informer. */
  public static SecretCache uncached(KubernetesClient client) {
    return new SecretCache(client);
  }
}
