package dev.steadfast.operator.jobs;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Informers on one Job and its pods. Every change releases a permit, so the attempt's thread sleeps
 * in {@link #awaitChange} until something happens instead of polling the API server.
 */
final class JobWatch implements AutoCloseable {
  private final Semaphore changed = new Semaphore(0);
  private final SharedIndexInformer<Job> job;
  private final SharedIndexInformer<Pod> pods;
  private volatile boolean podDeleted;
  private volatile boolean stopped;

  private JobWatch(KubernetesClient client, String namespace, String name) {
    // Each inform() returns after its initial list, so the first look sees the current state:
    // an adopted Job that already finished is judged at once.
    this.job = JobClaims.job(client, namespace, name).inform(new Signal<>(false), 0);
    try {
      this.pods =
          client
              .pods()
              .inNamespace(namespace)
              .withLabel("job-name", name)
              .inform(new Signal<>(true), 0);
    } catch (RuntimeException e) {
      job.stop();
      throw e;
    }
    // stopped() completes exceptionally only when an informer gives up, never on our own stop().
    job.stopped().whenComplete((v, t) -> onStopped(t));
    pods.stopped().whenComplete((v, t) -> onStopped(t));
  }

  static JobWatch start(KubernetesClient client, String namespace, String name) {
    return new JobWatch(client, namespace, name);
  }

  Job job() {
    List<Job> jobs = job.getStore().list();
    return jobs.isEmpty() ? null : jobs.get(0);
  }

  List<Pod> pods() {
    return pods.getStore().list();
  }

  /** Whether a pod of the Job was deleted while we watched (node lost, pod GC). */
  boolean podDeleted() {
    return podDeleted;
  }

  /** Whether an informer gave up: its watch could not be re-established. */
  boolean broken() {
    return stopped;
  }

  /**
   * Waits until something changed or {@code max} passed (null: no limit).
   *
   * @return whether something changed
   */
  boolean awaitChange(Duration max) throws InterruptedException {
    boolean got;
    if (max == null) {
      changed.acquire();
      got = true;
    } else {
      got = changed.tryAcquire(Math.max(0, max.toNanos()), TimeUnit.NANOSECONDS);
    }
    changed.drainPermits();
    return got;
  }

  private void onStopped(Throwable failure) {
    if (failure != null) {
      stopped = true;
      changed.release();
    }
  }

  @Override
  public void close() {
    job.stop();
    pods.stop();
  }

  private final class Signal<T extends HasMetadata> implements ResourceEventHandler<T> {
    private final boolean pod;

    Signal(boolean pod) {
      this.pod = pod;
    }

    @Override
    public void onAdd(T obj) {
      changed.release();
    }

    @Override
    public void onUpdate(T oldObj, T newObj) {
      changed.release();
    }

    @Override
    public void onDelete(T obj, boolean deletedFinalStateUnknown) {
      if (pod) {
        podDeleted = true;
      }
      changed.release();
    }
  }
}
