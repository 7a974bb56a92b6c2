package dev.steadfast.operator.jobs;

import dev.steadfast.api.JobEnvVar;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.Reason;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.exec.Redactor;
import dev.steadfast.engine.format.GoDuration;
import dev.steadfast.executors.PlainHttpHosts;
import dev.steadfast.executors.Secrets;
import dev.steadfast.operator.secrets.KubernetesSecrets;
import dev.steadfast.operator.secrets.SecretCache;
import dev.steadfast.operator.secrets.SecretPolicy;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a job step: one attempt is one Kubernetes Job, named after the attempt's Idempotency-Key, so
 * a restarted operator adopts the Job it created instead of starting a second one. Blocks the
 * attempt's worker thread until the Job finishes, the attempt times out, or the thread is
 * interrupted (the task was deleted); in the last two cases the Job is deleted.
 */
public final class JobExecutor implements Executor {
  private static final Logger LOG = LoggerFactory.getLogger(JobExecutor.class);

  private final KubernetesClient client;
  private final Clock clock;
  private final JobClaims claims;
  private final JobAdmission admission;
  // Reads values only to mask them in the outcome: no policy check, the admission did that.
  private final Secrets masking;

  /** Under the defaults: Secrets must opt in, and no service account but the default one. */
  public JobExecutor(KubernetesClient client, Clock clock) {
    this(client, clock, SecretPolicy.ANNOTATED, List.of());
  }

  /**
   * @param serviceAccounts {@code --job-service-accounts}: the accounts a job step may name
   */
  public JobExecutor(
      KubernetesClient client, Clock clock, SecretPolicy policy, List<String> serviceAccounts) {
    this(client, clock, SecretCache.uncached(client), policy, serviceAccounts);
  }

  /**
   * @param secrets the operator's Secret cache, the one the other executors read through: a Secret
   *     is read once per resourceVersion, not twice per attempt (admission, then masking)
   * @param serviceAccounts {@code --job-service-accounts}: the accounts a job step may name
   */
  public JobExecutor(
      KubernetesClient client,
      Clock clock,
      SecretCache secrets,
      SecretPolicy policy,
      List<String> serviceAccounts) {
    this.client = client;
    this.clock = clock;
    this.claims = new JobClaims(client);
    this.admission =
        new JobAdmission(
            new KubernetesSecrets(secrets, policy, PlainHttpHosts.NONE), serviceAccounts);
    this.masking = new KubernetesSecrets(secrets, SecretPolicy.OPEN, PlainHttpHosts.NONE);
  }

  @Override
  public Outcome execute(AttemptRequest request) {
    if (!(request.call() instanceof Call.JobCall call)) {
      return failed(Tier.Fatal, Reason.InvalidSpec.name(), "not a job call");
    }
    JobNames.AttemptKey key;
    try {
      key = JobNames.AttemptKey.parse(request.idempotencyKey());
    } catch (IllegalArgumentException e) {
      return failed(Tier.Fatal, Reason.InvalidSpec.name(), e.getMessage());
    }
    Instant deadline = request.timeout() == null ? null : clock.instant().plus(request.timeout());
    String namespace = request.namespace();
    try {
      Optional<Failure> refused = admission.refusal(namespace, call.job());
      if (refused.isPresent()) {
        return new Outcome.Failed(refused.get());
      }
      Optional<String> name = claims.claim(namespace, call, key);
      if (name.isEmpty()) {
        return failed(
            Tier.Transient, Reason.NetworkError.name(), "the Job names of this attempt are taken");
      }
      try {
        Outcome outcome = await(namespace, name.get(), call, key, deadline, request.timeout());
        return redact(request.redactor(), namespace, call, outcome);
      } catch (KubernetesClientException e) {
        if (!Thread.currentThread().isInterrupted()) {
          // This attempt ends here; a Job left running would race the next attempt's.
          claims.deleteQuietly(namespace, name.get(), key);
        }
        throw e;
      }
    } catch (InterruptedException e) {
      return cancelled(namespace, call, key);
    } catch (KubernetesClientException e) {
      if (Thread.currentThread().isInterrupted()) {
        return cancelled(namespace, call, key);
      }
      return new Outcome.Failed(JobClaims.apiFailure(e));
    }
  }

  private Outcome await(
      String namespace,
      String name,
      Call.JobCall call,
      JobNames.AttemptKey key,
      Instant deadline,
      Duration timeout)
      throws InterruptedException {
    try (JobWatch watch = JobWatch.start(client, namespace, name)) {
      while (true) {
        Job job = watch.job();
        boolean finished = JobVerdict.finished(job);
        // The pods are read fresh once the Job is done: the pod informer may lag the Job's.
        List<Pod> pods = finished ? pods(namespace, name) : watch.pods();
        Optional<Outcome> outcome =
            JobVerdict.judge(job, pods, watch.podDeleted(), call.job().exitCodes);
        if (outcome.isPresent()) {
          if (!finished) {
            // It cannot succeed (the image cannot be pulled, say): do not let it hold resources.
            claims.deleteQuietly(namespace, name, key);
          } else {
            claims.deleteInputs(namespace, name, key);
          }
          return outcome.get();
        }
        if (watch.broken()) {
          claims.deleteQuietly(namespace, name, key);
          return failed(
              Tier.Transient, Reason.NetworkError.name(), "lost the watch on Job " + name);
        }
        Duration left = deadline == null ? null : Duration.between(clock.instant(), deadline);
        if (left != null && (left.isNegative() || left.isZero())) {
          claims.deleteQuietly(namespace, name, key);
          return failed(
              Tier.Transient,
              Reason.Timeout.name(),
              "Job " + name + " did not finish within " + GoDuration.format(timeout));
        }
        watch.awaitChange(left);
      }
    }
  }

  private List<Pod> pods(String namespace, String name) {
    return client.pods().inNamespace(namespace).withLabel("job-name", name).list().getItems();
  }

  /** The task was deleted: nothing will read this outcome, but the Job must not run on. */
  private Outcome cancelled(String namespace, Call.JobCall call, JobNames.AttemptKey key) {
    Thread.interrupted(); // clear it, or the deletes below would be interrupted too
    try {
      claims.deleteOwned(namespace, call, key);
    } catch (KubernetesClientException e) {
      LOG.warn("could not delete the Job of cancelled attempt {}: {}", key.key(), e.getMessage());
    } finally {
      Thread.currentThread().interrupt();
    }
    return failed(Tier.Transient, Reason.NetworkError.name(), "cancelled");
  }

  /**
   * The output is the container's termination message, and a failure message quotes it or the log
   * tail, and a container may print its own environment: the Secret values of its env are
   * registered with the task's redactor (so the engine masks them wherever the output goes), the
   * outcome is masked, and a failure message capped.
   */
  private Outcome redact(Redactor redactor, String namespace, Call.JobCall call, Outcome outcome) {
    for (JobEnvVar env : Optional.ofNullable(call.job().env).orElse(List.of())) {
      if (env.valueFrom != null && env.valueFrom.secretKeyRef != null) {
        try {
          redactor.register(masking.get(namespace, env.valueFrom.secretKeyRef));
        } catch (Secrets.SecretNotFoundException | KubernetesClientException e) {
          // Unreadable here (gone, or no RBAC): nothing to mask; the excerpt is still capped.
        }
      }
    }
    if (!(outcome instanceof Outcome.Failed f) || f.failure().message() == null) {
      return redactor.redact(outcome);
    }
    Failure failure = f.failure();
    return new Outcome.Failed(
        new Failure(
            failure.tier(),
            failure.reason(),
            redactor.excerpt(failure.message()),
            failure.code(),
            failure.retryAfter()));
  }

  static Outcome failed(Tier tier, String reason, String message) {
    return new Outcome.Failed(Failure.of(tier, reason, message));
  }
}
