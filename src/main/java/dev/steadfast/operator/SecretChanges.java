package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.operator.secrets.SecretCache;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Reconciles the tasks that reference a Secret when the Secret changes (the retry-on-change of
 * docs/errors.md), while holding of each Secret in the watched namespaces only its name, namespace
 * and resourceVersion: values are read with a GET when a step first uses a version of them, and
 * only those are kept ({@link SecretCache}, which these versions keep current). A JOSDK informer
 * would cache every Secret of the cluster in full; fabric8 cannot watch metadata only, so the
 * values still pass through while an event is handled, then are dropped. One informer per
 * namespace, each with its own store: a store shared between informers would lose one namespace's
 * entries whenever another relists.
 */
final class SecretChanges extends SimpleInboundEventSource<AgentTask> {
  // Secrets per page of the initial list: a page is held while it is read, and a Secret may be
  // up to 1 MiB, so pages stay small.
  static final long LIST_PAGE = 20;
  private static final String ALL = "";

  private final KubernetesClient client;
  private final Set<String> namespaces;
  private final Function<Secret, Set<ResourceID>> tasksOf;
  private final SecretCache values;
  // By namespace, "" for all: read by attempts through the cache while events are handled.
  private final Map<String, SharedIndexInformer<Secret>> informers = new ConcurrentHashMap<>();

  /**
   * @param namespaces the watched namespaces; empty means all
   * @param tasksOf the tasks that reference a Secret (see {@link SecretVersions#tasksReferencing})
   */
  SecretChanges(
      KubernetesClient client, Set<String> namespaces, Function<Secret, Set<ResourceID>> tasksOf) {
    this(client, namespaces, tasksOf, SecretCache.uncached(client));
  }

  /**
   * @param values the Secrets steps read, served while the versions seen here match theirs
   */
  SecretChanges(
      KubernetesClient client,
      Set<String> namespaces,
      Function<Secret, Set<ResourceID>> tasksOf,
      SecretCache values) {
    super("secrets");
    this.client = client;
    this.namespaces = namespaces;
    this.tasksOf = tasksOf;
    this.values = values;
  }

  @Override
  public synchronized void start() throws OperatorException {
    if (namespaces.isEmpty()) {
      informers.put(
          ALL, inform(client.secrets().inAnyNamespace().withLimit(LIST_PAGE).runnableInformer(0)));
    } else {
      for (String ns : namespaces) {
        informers.put(
            ns, inform(client.secrets().inNamespace(ns).withLimit(LIST_PAGE).runnableInformer(0)));
      }
    }
    values.versionsFrom(this::version);
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
              forget(secret);
              changed(secret);
            }
          }

          @Override
          public void onDelete(Secret secret, boolean unknownFinalState) {
            forget(secret);
            changed(secret);
          }
        });
    informer.start();
    return informer;
  }

  private void forget(Secret secret) {
    values.forget(secret.getMetadata().getNamespace(), secret.getMetadata().getName());
  }

  /**
   * The resourceVersion the informers hold for a Secret: "" when they hold none, null when no
   * synced informer covers its namespace (before the first list, an absence means nothing).
   */
  String version(String namespace, String name) {
    SharedIndexInformer<Secret> informer = informers.get(namespace);
    if (informer == null) {
      informer = informers.get(ALL);
    }
    if (informer == null || !informer.hasSynced()) {
      return null;
    }
    Secret secret = informer.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
    return secret == null ? "" : secret.getMetadata().getResourceVersion();
  }

  private void changed(Secret secret) {
    if (isRunning()) {
      tasksOf.apply(secret).forEach(this::propagateEvent);
    }
  }

  /** Secrets held by the informers: name and version only. */
  List<Secret> cached() {
    return informers.values().stream().flatMap(i -> i.getStore().list().stream()).toList();
  }

  @Override
  public synchronized void stop() throws OperatorException {
    values.versionsFrom((ns, name) -> null);
    informers.values().forEach(SharedIndexInformer::stop);
    informers.clear();
    super.stop();
  }
}
