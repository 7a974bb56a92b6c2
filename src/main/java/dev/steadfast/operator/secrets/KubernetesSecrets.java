package dev.steadfast.operator.secrets;

import dev.steadfast.api.SecretKeyRef;
import dev.steadfast.executors.PlainHttpHosts;
import dev.steadfast.executors.SecretBinding;
import dev.steadfast.executors.Secrets;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Secret values from Secrets in the task's namespace. Under {@code --secret-policy annotated} a
 * value goes only to the hosts its Secret's {@code steadfast.dev/allowed-hosts} lists: the Secret's
 * owner decides, not whoever may create an AgentTask next to it.
 */
public final class KubernetesSecrets implements Secrets {
  private final SecretCache secrets;
  private final SecretPolicy policy;
  private final PlainHttpHosts plainHttp;

  /** For masking values only ({@link #get}); {@link #forRequest} checks nothing. */
  public KubernetesSecrets(KubernetesClient client) {
    this(client, SecretPolicy.OPEN, PlainHttpHosts.NONE);
  }

  public KubernetesSecrets(KubernetesClient client, SecretPolicy policy, PlainHttpHosts plainHttp) {
    this(SecretCache.uncached(client), policy, plainHttp);
  }

  /** Reads each Secret once per resourceVersion rather than once per attempt. */
  public KubernetesSecrets(SecretCache secrets, SecretPolicy policy, PlainHttpHosts plainHttp) {
    this.secrets = secrets;
    this.policy = policy;
    this.plainHttp = plainHttp;
  }

  @Override
  public String get(String namespace, SecretKeyRef ref) throws SecretNotFoundException {
    return value(namespace, ref, read(namespace, ref));
  }

  @Override
  public String forRequest(String namespace, SecretKeyRef ref, URI destination)
      throws SecretNotFoundException, SecretNotAllowedException {
    Secret secret = read(namespace, ref);
    if (policy == SecretPolicy.ANNOTATED) {
      SecretBinding.check(
          ref.name, annotation(secret, SecretBinding.ALLOWED_HOSTS), destination, plainHttp);
    }
    return value(namespace, ref, secret);
  }

  /**
   * Checks that a job step may put this Secret into a container's environment.
   *
   * @throws SecretNotFoundException when the Secret does not exist
   * @throws SecretNotAllowedException when it lacks steadfast.dev/allowed-in-jobs: "true"
   */
  public void checkJobUse(String namespace, SecretKeyRef ref)
      throws SecretNotFoundException, SecretNotAllowedException {
    if (policy == SecretPolicy.ANNOTATED) {
      SecretBinding.checkJob(
          ref.name, annotation(read(namespace, ref), SecretBinding.ALLOWED_IN_JOBS));
    }
  }

  private Secret read(String namespace, SecretKeyRef ref) throws SecretNotFoundException {
    Secret secret = secrets.get(namespace, ref.name);
    if (secret == null) {
      throw new SecretNotFoundException("secret " + namespace + "/" + ref.name + " not found");
    }
    return secret;
  }

  private static String annotation(Secret secret, String name) {
    Map<String, String> annotations = secret.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(name);
  }

  private static String value(String namespace, SecretKeyRef ref, Secret secret)
      throws SecretNotFoundException {
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
