package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Reconciles the tasks that reference a Secret when the Secret changes (the retry-on-change of
 * docs/errors.md), while holding of each Secret in the watched namespaces only its name, namespace
 * and resourceVersion: values are read with a GET when a step uses them, never kept. A JOSDK
 * informer would cache every Secret of the cluster in full; fabric8 cannot watch metadata only, so
 * the values still pass through while an event is handled, then are dropped. One informer per
 * namespace, each with its own store: a store shared between informers would lose one namespace's
 * entries whenever another relists.
 */
final class SecretChanges extends SimpleInboundEventSource<AgentTask> {
  // Secrets per page of the initial list: a page is held while it is read, and a Secret may be
  // up to 1 MiB, so pages stay small.
  static final long LIST_PAGE = 20;

  private final KubernetesClient client;
  private final Set<String> namespaces;
  private final Function<Secret, Set<ResourceID>> tasksOf;
  private final List<SharedIndexInformer<Secret>> informers = new ArrayList<>();

  /**
   * @param namespaces the watched namespaces; empty means all
   * @param tasksOf the tasks that reference a Secret (see {@link SecretVersions#tasksReferencing})
   */
  SecretChanges(
      KubernetesClient client, Set<String> namespaces, Function<Secret, Set<ResourceID>> tasksOf) {
    super("secrets");
    this.client = client;
    this.namespaces = namespaces;
    this.tasksOf = tasksOf;
  }

  @Override
  public synchronized void start() throws OperatorException {
    if (namespaces.isEmpty()) {
      informers.add(
          inform(client.secrets().inAnyNamespace().withLimit(LIST_PAGE).runnableInformer(0)));
    } else {
      for (String ns : namespaces) {
        informers.add(
            inform(client.secrets().inNamespace(ns).withLimit(LIST_PAGE).runnableInformer(0)));
      }
    }
    super.start();
  }

  private SharedIndexInformer<Secret> inform(SharedIndexInformer<Secret> informer) {
    informer.itemStore(
        new ReducedStateItemStore<>(
            ReducedStateItemStore.NAME_KEY_STATE,
            Secret.class,
            client.getKubernetesSerialization()));
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Secret secret) {
            changed(secret);
          }

          @Override
          public void onUpdate(Secret old, Secret secret) {
            if (!Objects.equals(
                old.getMetadata().getResourceVersion(),
                secret.getMetadata().getResourceVersion())) {
              changed(secret);
            }
          }

          @Override
          public void onDelete(Secret secret, boolean unknownFinalState) {
            changed(secret);
          }
        });
    informer.start();
    return informer;
  }

  private void changed(Secret secret) {
    if (isRunning()) {
      tasksOf.apply(secret).forEach(this::propagateEvent);
    }
  }

  /** Secrets held by the informers: name and version only. */
  List<Secret> cached() {
    return informers.stream().flatMap(i -> i.getStore().list().stream()).toList();
  }

  @Override
  public synchronized void stop() throws OperatorException {
    informers.forEach(SharedIndexInformer::stop);
    informers.clear();
    super.stop();
  }
}
