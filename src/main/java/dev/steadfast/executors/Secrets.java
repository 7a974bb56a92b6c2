package dev.steadfast.executors;

import dev.steadfast.api.SecretKeyRef;
import java.net.URI;

/** Where secret values come from: a mounted-volume layout locally, Secrets in a cluster. */
public interface Secrets {
  /**
   * The value of a secret key, with no check of where it goes: for masking it, never for sending.
   *
   * @throws SecretNotFoundException when the secret or the key does not exist
   */
  String get(String namespace, SecretKeyRef ref) throws SecretNotFoundException;

  /**
   * The value of a secret key for a request to {@code destination} (the URI actually sent). In a
   * cluster the Secret must allow that host (docs/security.md); locally (the user's own machine)
   * any may.
   *
   * @throws SecretNotFoundException when the secret or the key does not exist
   * @throws SecretNotAllowedException when the Secret may not go to that destination
   */
  default String forRequest(String namespace, SecretKeyRef ref, URI destination)
      throws SecretNotFoundException, SecretNotAllowedException {
    return get(namespace, ref);
  }

  /** A missing Secret or key: Fatal SecretNotFound. The message names the secret, never a value. */
  final class SecretNotFoundException extends Exception {
    public SecretNotFoundException(String message) {
      super(message);
    }
  }

  /**
   * A Secret that does not allow this use: Fatal SecretNotAllowed. The message names the Secret,
   * the destination and the annotation to add, never a value.
   */
  final class SecretNotAllowedException extends Exception {
    public SecretNotAllowedException(String message) {
      super(message);
    }
  }
}
