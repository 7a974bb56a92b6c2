package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskSpec;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.Fallback;
import dev.steadfast.api.HttpStep;
import dev.steadfast.api.LlmStep;
import dev.steadfast.api.Step;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tool;
import dev.steadfast.engine.format.Json;
import dev.steadfast.operator.secrets.SecretCache;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which Secrets a task references, and a fingerprint of their versions: a task that stalled on
 * Unauthorized, Forbidden, SecretNotFound or SecretNotAllowed is retried when the fingerprint
 * changes. The resourceVersion changes with annotations too, so adding steadfast.dev/allowed-hosts
 * is a change.
 */
public final class SecretVersions {
  private final SecretCache secrets;

  public SecretVersions(KubernetesClient client) {
    this(SecretCache.uncached(client));
  }

  SecretVersions(SecretCache secrets) {
    this.secrets = secrets;
  }

  /** The Secrets steps read, kept current by the Secret informer. */
  SecretCache cache() {
    return secrets;
  }

  public String fingerprint(AgentTask task) {
    TreeMap<String, String> versions = new TreeMap<>();
    for (String name : referenced(task.getSpec())) {
      versions.put(name, secrets.version(task.getMetadata().getNamespace(), name));
    }
    return Json.sha256(versions);
  }

  /**
   * The tasks a change to this Secret concerns: Failed ones stalled on a Secret (Unauthorized,
   * Forbidden, SecretNotFound, SecretNotAllowed), which the change retries. Any other task reads
   * the Secret's current version when its next attempt starts, so a reconcile now would find
   * nothing to do; and the informer reports every Secret as added when it starts, so reconciling
   * every unfinished task that names one would reconcile each of them twice at every start.
   */
  static Set<ResourceID> tasksReferencing(IndexedResourceCache<AgentTask> tasks, Secret secret) {
    String ns = secret.getMetadata().getNamespace();
    String name = secret.getMetadata().getName();
    return tasks
        .list(ns)
        .filter(SecretVersions::stalledOnSecret)
        .filter(t -> t.getSpec() != null && referenced(t.getSpec()).contains(name))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  private static boolean stalledOnSecret(AgentTask task) {
    AgentTaskStatus status = task.getStatus();
    return status != null
        && status.phase == TaskPhase.Failed
        && HumanIntervention.stalledOnSecret(status);
  }

  static Set<String> referenced(AgentTaskSpec spec) {
    Set<String> names = new TreeSet<>();
    if (spec == null || spec.steps == null) {
      return names;
    }
    for (Step step : spec.steps) {
      http(step.http, names);
      llm(step.llm, names);
      if (step.agent != null) {
        llm(step.agent.llm, names);
        if (step.agent.tools != null) {
          for (Tool t : step.agent.tools) {
            http(t.http, names);
          }
        }
      }
      if (step.job != null && step.job.env != null) {
        step.job.env.stream()
            .filter(e -> e.valueFrom != null && e.valueFrom.secretKeyRef != null)
            .forEach(e -> names.add(e.valueFrom.secretKeyRef.name));
      }
      if (step.fallbacks != null) {
        for (Fallback f : step.fallbacks) {
          http(f.http, names);
          llm(f.llm, names);
        }
      }
    }
    return names;
  }

  private static void http(HttpStep http, Set<String> names) {
    if (http != null && http.auth != null && http.auth.secretRef != null) {
      names.add(http.auth.secretRef.name);
    }
  }

  private static void llm(LlmStep llm, Set<String> names) {
    if (llm != null && llm.apiKeySecretRef != null) {
      names.add(llm.apiKeySecretRef.name);
    }
  }
}
