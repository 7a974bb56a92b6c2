package dev.steadfast.operator.secrets;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.LinkedHashMap;
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
 *
 * <p>What is held is bounded by bytes ({@link #MAX_BYTES}): tenants choose which Secrets their
 * steps name, and a Secret may be 1 MiB, so a few hundred of them would otherwise fill the
 * operator's memory for every tenant. Over the budget the least recently used Secrets go (read
 * again with a GET when next used), and one larger than a quarter of it is never held.
 */
public final class SecretCache {
  /** Bytes of Secret data held at most. */
  public static final long MAX_BYTES = 16L * 1024 * 1024;

  private final KubernetesClient client;
  private final long maxBytes;
  // In order of use, least recent first; guarded by itself.
  private final LinkedHashMap<String, Secret> held = new LinkedHashMap<>(16, 0.75f, true);
  private long heldBytes;
  // A lock per Secret read: one per Secret name a step has used, a few bytes each.
  private final Map<String, Object> reading = new ConcurrentHashMap<>();
  // (namespace, name) → the informer's resourceVersion: "" for a Secret it does not hold, null
  // when no synced informer covers the namespace (then nothing held can be trusted).
  private volatile BiFunction<String, String, String> versions = (ns, name) -> null;

  public SecretCache(KubernetesClient client) {
    this(client, MAX_BYTES);
  }

  /** A cache holding at most {@code maxBytes} of Secret data. */
  public SecretCache(KubernetesClient client, long maxBytes) {
    this.client = client;
    this.maxBytes = maxBytes;
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
        drop(key); // nothing to check an entry against: not held
      } else {
        // An older version put here after a newer one is never served: its version won't match.
        hold(key, secret);
      }
      return secret;
    }
  }

  private void hold(String key, Secret secret) {
    long bytes = bytes(secret);
    synchronized (held) {
      Secret old = held.remove(key);
      if (old != null) {
        heldBytes -= bytes(old);
      }
      if (bytes > maxBytes / 4) {
        return; // read each time: holding it would leave room for little else
      }
      held.put(key, secret);
      heldBytes += bytes;
      for (var it = held.entrySet().iterator(); heldBytes > maxBytes && it.hasNext(); ) {
        var eldest = it.next();
        heldBytes -= bytes(eldest.getValue());
        it.remove();
      }
    }
  }

  private void drop(String key) {
    synchronized (held) {
      Secret old = held.remove(key);
      if (old != null) {
        heldBytes -= bytes(old);
      }
    }
  }

  /** What a Secret's values take (base64 text as the API server sends it), and its keys. */
  private static long bytes(Secret secret) {
    long n = 0;
    for (Map<String, String> values :
        java.util.Arrays.asList(secret.getData(), secret.getStringData())) {
      if (values != null) {
        for (var e : values.entrySet()) {
          n += e.getKey().length() + (e.getValue() == null ? 0 : e.getValue().length());
        }
      }
    }
    return n;
  }

  private Secret current(String key, String known) {
    Secret secret;
    synchronized (held) {
      secret = held.get(key);
    }
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
    drop(Cache.namespaceKeyFunc(namespace, name));
  }

  /** Secrets held in full, for tests. */
  public int size() {
    synchronized (held) {
      return held.size();
    }
  }

  /** Bytes of the Secrets held, for tests. */
  public long heldBytes() {
    synchronized (held) {
      return heldBytes;
    }
  }

  /** Reads every time and holds nothing: for code paths without an informer. */
  public static SecretCache uncached(KubernetesClient client) {
    return new SecretCache(client);
  }
}
