package dev.steadfast.operator.jobs;

import dev.steadfast.api.Tier;
import dev.steadfast.engine.Reason;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Redactor;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ScalableResource;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Get-or-create of an attempt's Job and inputs ConfigMap, and their removal. A Job is claimed only
 * when its {@code steadfast.dev/idempotency-key} annotation is this attempt's key: a Job of the
 * same name from another task is never adopted.
 */
final class JobClaims {
  private static final Logger LOG = LoggerFactory.getLogger(JobClaims.class);

  private final KubernetesClient client;

  JobClaims(KubernetesClient client) {
    this.client = client;
  }

  /** The name of the Job now running this attempt, created or adopted; empty if none is free. */
  Optional<String> claim(String namespace, Call.JobCall call, JobNames.AttemptKey key) {
    for (String name : candidates(call, key)) {
      if (claim(namespace, name, call, key)) {
        return Optional.of(name);
      }
      LOG.info("Job {}/{} belongs to another attempt; trying a hashed name", namespace, name);
    }
    return Optional.empty();
  }

  private boolean claim(String namespace, String name, Call.JobCall call, JobNames.AttemptKey key) {
    Job existing = job(client, namespace, name).get();
    if (existing != null) {
      boolean ours = JobManifests.ownedBy(existing.getMetadata(), key);
      if (ours) {
        LOG.info("adopting Job {}/{} of attempt {}", namespace, name, key.key());
      }
      return ours;
    }
    // The ConfigMap first, so the pod never waits for its volume.
    ConfigMap inputs = JobManifests.inputs(name, namespace, call, key);
    try {
      client.configMaps().inNamespace(namespace).resource(inputs).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      ConfigMap found =
          client.configMaps().inNamespace(namespace).withName(inputs.getMetadata().getName()).get();
      if (found != null && !JobManifests.ownedBy(found.getMetadata(), key)) {
        return false;
      }
    }
    try {
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(namespace)
          .resource(JobManifests.job(name, namespace, call, key))
          .create();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        deleteInputs(namespace, name, key);
        throw e;
      }
      // Created between our get and create: another replica or a retried request.
      Job found = job(client, namespace, name).get();
      return found != null && JobManifests.ownedBy(found.getMetadata(), key);
    }
  }

  /** The Job of that name, to read, delete or watch. */
  static ScalableResource<Job> job(KubernetesClient client, String namespace, String name) {
    return client.batch().v1().jobs().inNamespace(namespace).withName(name);
  }

  private static List<String> candidates(Call.JobCall call, JobNames.AttemptKey key) {
    return List.of(JobNames.readable(call.taskName(), key), JobNames.unique(call.taskName(), key));
  }

  /**
   * Deletes the Job (its pods in the background) and its inputs, each only if it is this attempt's:
   * an object of the same name put there by anyone else is left alone.
   */
  void delete(String namespace, String name, JobNames.AttemptKey key) {
    Job job = job(client, namespace, name).get();
    if (job != null && JobManifests.ownedBy(job.getMetadata(), key)) {
      job(client, namespace, name).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    } else if (job != null) {
      LOG.warn("Job {}/{} is not attempt {}'s; not deleting it", namespace, name, key.key());
    }
    deleteInputs(namespace, name, key);
  }

  /** Best effort, for an attempt that is ending anyway: a failure is logged, not raised. */
  void deleteQuietly(String namespace, String name, JobNames.AttemptKey key) {
    try {
      delete(namespace, name, key);
    } catch (KubernetesClientException e) {
      LOG.warn("could not delete Job {}/{}: {}", namespace, name, e.getMessage());
    }
  }

  /**
   * The finished Job stays for its TTL (for kubectl logs); its inputs are no longer needed. Best
   * effort: the owner reference removes them with the task anyway. Only this attempt's ConfigMap is
   * deleted.
   */
  void deleteInputs(String namespace, String name, JobNames.AttemptKey key) {
    String inputs = JobManifests.inputsName(name);
    try {
      ConfigMap cm = client.configMaps().inNamespace(namespace).withName(inputs).get();
      if (cm == null) {
        return;
      }
      if (!JobManifests.ownedBy(cm.getMetadata(), key)) {
        LOG.warn(
            "ConfigMap {}/{} is not attempt {}'s; not deleting it", namespace, inputs, key.key());
        return;
      }
      client.configMaps().inNamespace(namespace).resource(cm).delete();
    } catch (KubernetesClientException e) {
      LOG.warn("could not delete ConfigMap {}/{}: {}", namespace, inputs, e.getMessage());
    }
  }

  /** Deletes whichever candidate Job this attempt owns, if any. */
  void deleteOwned(String namespace, Call.JobCall call, JobNames.AttemptKey key) {
    for (String name : candidates(call, key)) {
      delete(namespace, name, key);
    }
  }

  /** An API server error while creating or reading the Job, classified. */
  static Failure apiFailure(KubernetesClientException e) {
    String said =
        e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage()
            : e.getMessage();
    String message = Redactor.capUtf8("Kubernetes API: " + said, Redactor.MAX_EXCERPT_BYTES);
    int code = e.getCode();
    return switch (code) {
      case 400, 422 -> new Failure(Tier.Fatal, Reason.InvalidSpec.name(), message, code, null);
      case 401 -> new Failure(Tier.Fatal, Reason.Unauthorized.name(), message, code, null);
      case 403 -> new Failure(Tier.Fatal, Reason.Forbidden.name(), message, code, null);
      case 404 -> new Failure(Tier.Fatal, Reason.NotFound.name(), message, code, null);
      case 429 -> new Failure(Tier.Transient, Reason.RateLimited.name(), message, code, null);
      default ->
          code >= 500
              ? new Failure(Tier.Transient, Reason.ServerError.name(), message, code, null)
              : new Failure(
                  Tier.Transient,
                  Reason.NetworkError.name(),
                  message,
                  code == 0 ? null : code,
                  null);
    };
  }
}
