package dev.steadfast.operator;

import dev.steadfast.api.SecretKeyRef;
import dev.steadfast.engine.exec.Secrets;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Secret values from Secrets in the task's namespace. */
public final class KubernetesSecrets implements Secrets {
  private final KubernetesClient client;

  public KubernetesSecrets(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public String get(String namespace, SecretKeyRef ref) throws SecretNotFoundException {
    Secret secret = client.secrets().inNamespace(namespace).withName(ref.name).get();
    if (secret == null) {
      throw new SecretNotFoundException("secret " + namespace + "/" + ref.name + " not found");
    }
    if (secret.getData() != null && secret.getData().containsKey(ref.key)) {
      return new String(
              Base64.getDecoder().decode(secret.getData().get(ref.key)), StandardCharsets.UTF_8)
          .strip();
    }
    if (secret.getStringData() != null && secret.getStringData().containsKey(ref.key)) {
      return secret.getStringData().get(ref.key).strip();
    }
    throw new SecretNotFoundException(
        "secret " + namespace + "/" + ref.name + " has no key " + ref.key);
  }
}
