package dev.steadfast.operator.jobs;

import dev.steadfast.api.JobEnvVar;
import dev.steadfast.api.JobStep;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.Reason;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.executors.Secrets.SecretNotAllowedException;
import dev.steadfast.executors.Secrets.SecretNotFoundException;
import dev.steadfast.operator.secrets.KubernetesSecrets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a job step may ask of its pod (docs/security.md), checked before any Job is created: a
 * service account only from {@code --job-service-accounts}, a Secret in its env only with {@code
 * steadfast.dev/allowed-in-jobs: "true"}. Without this, creating an AgentTask would be creating
 * pods under any identity with any Secret of the namespace.
 */
final class JobAdmission {
  static final String FLAG = "--job-service-accounts";
  // The pod runs as the namespace's default account anyway (with no token): naming it is harmless.
  private static final String DEFAULT_ACCOUNT = "default";

  private final Set<String> serviceAccounts;
  private final KubernetesSecrets secrets;

  /**
   * @param secrets the Secrets under the operator's --secret-policy
   * @param serviceAccounts the names a job step may run as, in any namespace
   */
  JobAdmission(KubernetesSecrets secrets, List<String> serviceAccounts) {
    this.serviceAccounts = new TreeSet<>(serviceAccounts == null ? List.of() : serviceAccounts);
    this.secrets = secrets;
  }

  /** The Fatal failure that refuses this step, or empty when its pod may be created. */
  Optional<Failure> refusal(String namespace, JobStep step) {
    String account = step.serviceAccountName;
    if (account != null
        && !account.isBlank()
        && !account.equals(DEFAULT_ACCOUNT)
        && !serviceAccounts.contains(account)) {
      return Optional.of(
          Failure.of(
              Tier.Fatal,
              Reason.ServiceAccountNotAllowed.name(),
              "job.serviceAccountName \""
                  + account
                  + "\" is not allowed: the operator's "
                  + FLAG
                  + " "
                  + (serviceAccounts.isEmpty() ? "is empty" : "lists " + serviceAccounts)));
    }
    for (JobEnvVar env : step.env == null ? List.<JobEnvVar>of() : step.env) {
      if (env.valueFrom == null || env.valueFrom.secretKeyRef == null) {
        continue;
      }
      try {
        secrets.checkJobUse(namespace, env.valueFrom.secretKeyRef);
      } catch (SecretNotAllowedException e) {
        return Optional.of(Failure.of(Tier.Fatal, Reason.SecretNotAllowed.name(), e.getMessage()));
      } catch (SecretNotFoundException e) {
        return Optional.of(Failure.of(Tier.Fatal, Reason.SecretNotFound.name(), e.getMessage()));
      }
    }
    return Optional.empty();
  }
}
