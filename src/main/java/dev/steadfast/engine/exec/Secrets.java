package dev.steadfast.engine.exec;

import dev.steadfast.api.SecretKeyRef;

/** Where secret values come from: a mounted-volume layout locally, Secrets in a cluster. */
public interface Secrets {
  /**
   * The value of a secret key.
   *
   * @throws SecretNotFoundException when the secret or the key does not exist
   */
  String get(String namespace, SecretKeyRef ref) throws SecretNotFoundException;

  /** A missing Secret or key: Fatal SecretNotFound. The message names the secret, never a value. */
  final class SecretNotFoundException extends Exception {
    public SecretNotFoundException(String message) {
      super(message);
    }
  }
}
