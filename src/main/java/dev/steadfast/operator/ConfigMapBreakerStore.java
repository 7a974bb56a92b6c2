package dev.steadfast.operator;

import dev.steadfast.engine.breaker.BreakerId;
import dev.steadfast.engine.breaker.BreakerStates;
import dev.steadfast.engine.breaker.BreakerStore;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Breaker states of all namespaces, persisted on every transition in one ConfigMap in the
 * operator's namespace, nested by namespace then key (see {@link BreakerStates}), and restored when
 * a new operator process starts. The states of earlier versions, keyed by breaker key alone, are
 * ignored (those breakers start closed) and replaced at the next transition.
 */
public final class ConfigMapBreakerStore implements BreakerStore {
  /** The ConfigMap's name unless `--breakers-configmap` says otherwise. */
  public static final String DEFAULT_NAME = "steadfast-breakers";

  static final String KEY = "breakers.json";
  private static final Logger LOG = LoggerFactory.getLogger(ConfigMapBreakerStore.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String name;

  public ConfigMapBreakerStore(KubernetesClient client, String namespace) {
    this(client, namespace, DEFAULT_NAME);
  }

  public ConfigMapBreakerStore(KubernetesClient client, String namespace, String name) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
  }

  @Override
  public Map<BreakerId, Snapshot> load() {
    try {
      ConfigMap cm = client.configMaps().inNamespace(namespace).withName(name).get();
      if (cm == null || cm.getData() == null || !cm.getData().containsKey(KEY)) {
        return Map.of();
      }
      return BreakerStates.read(cm.getData().get(KEY));
    } catch (Exception e) {
      LOG.warn("cannot read breaker states from {}/{}: {}", namespace, name, e.getMessage());
      return Map.of();
    }
  }

  @Override
  public synchronized void save(Map<BreakerId, Snapshot> snapshots) {
    try {
      ConfigMap cm =
          new ConfigMapBuilder()
              .withNewMetadata()
              .withName(name)
              .withNamespace(namespace)
              .addToLabels("app.kubernetes.io/managed-by", "steadfast")
              .endMetadata()
              .addToData(KEY, BreakerStates.write(snapshots))
              .build();
      client
          .configMaps()
          .inNamespace(namespace)
          .resource(cm)
          .createOr(NonDeletingOperation::update);
    } catch (Exception e) {
      // Losing a breaker transition costs a few extra calls after a restart, never a task.
      LOG.warn("cannot persist breaker states to {}/{}: {}", namespace, name, e.getMessage());
    }
  }
}
