package dev.steadfast.operator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.OutputRef;
import dev.steadfast.api.StepStatus;
import dev.steadfast.engine.Json;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * The operator's checkpoint: the task's status subresource, written with optimistic locking (a PUT
 * carrying the resourceVersion we read, so a stale writer — an old leader, a second replica — gets
 * 409 and never overwrites a newer checkpoint). The written resource is cached for the next
 * reconcile so it never starts from a status older than its own last write. Step outputs over 4 KiB
 * live in ConfigMaps owned by the task.
 */
public final class StatusCheckpointStore {
  static final int INLINE_LIMIT = 4096;
  static final String OUTPUT_KEY = "output.json";

  private final KubernetesClient client;
  private final OperatorMetrics metrics;
  private final Map<String, JsonNode> outputsBySha =
      java.util.Collections.synchronizedMap(
          new java.util.LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, JsonNode> e) {
              return size() > 256;
            }
          });

  public StatusCheckpointStore(KubernetesClient client, OperatorMetrics metrics) {
    this.client = client;
    this.metrics = metrics;
  }

  /** A working copy of the task's status, with outputs stored in ConfigMaps read back inline. */
  public AgentTaskStatus load(AgentTask task) {
    AgentTaskStatus status =
        task.getStatus() == null
            ? new AgentTaskStatus()
            : Json.copy(task.getStatus(), AgentTaskStatus.class);
    for (StepStatus s : status.steps) {
      if (s.output == null && s.outputRef != null) {
        s.output = readOutput(task, s.outputRef);
      }
    }
    return status;
  }

  /**
   * Writes the status when it differs from the one on the resource; returns false when nothing
   * changed. Throws KubernetesClientException (409) when the resource changed since it was read.
   */
  public boolean save(AgentTask task, Context<AgentTask> context, AgentTaskStatus status) {
    AgentTaskStatus stored = deflate(task, status);
    if (Objects.equals(Json.tree(task.getStatus()), Json.tree(stored))) {
      return false;
    }
    try {
      PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(
          task,
          context,
          t -> {
            t.setStatus(stored);
            return t;
          });
      metrics.checkpointWrite("ok");
      return true;
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      metrics.checkpointWrite(e.getCode() == 409 ? "conflict" : "error");
      throw e;
    }
  }

  private AgentTaskStatus deflate(AgentTask task, AgentTaskStatus status) {
    AgentTaskStatus copy = Json.copy(status, AgentTaskStatus.class);
    for (StepStatus s : copy.steps) {
      if (s.output == null) {
        continue;
      }
      String json = Json.write(s.output);
      if (json.getBytes(StandardCharsets.UTF_8).length <= INLINE_LIMIT) {
        s.outputRef = null;
        continue;
      }
      String sha = Json.sha256Hex(json);
      if (s.outputRef == null || !sha.equals(s.outputRef.sha256)) {
        s.outputRef = writeOutput(task, s.name, json, sha);
      }
      outputsBySha.put(sha, s.output);
      s.output = null;
    }
    return copy;
  }

  private OutputRef writeOutput(AgentTask task, String step, String json, String sha) {
    String name = configMapName(task.getMetadata().getName(), step);
    ConfigMap cm =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(task.getMetadata().getNamespace())
            .addToLabels("app.kubernetes.io/managed-by", "steadfast")
            .addToLabels("steadfast.dev/task", task.getMetadata().getName())
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(task.getApiVersion())
                    .withKind(task.getKind())
                    .withName(task.getMetadata().getName())
                    .withUid(task.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .endMetadata()
            .addToData(OUTPUT_KEY, json)
            .build();
    client
        .configMaps()
        .inNamespace(task.getMetadata().getNamespace())
        .resource(cm)
        .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    OutputRef ref = new OutputRef();
    ref.configMap = name;
    ref.key = OUTPUT_KEY;
    ref.sha256 = sha;
    return ref;
  }

  private JsonNode readOutput(AgentTask task, OutputRef ref) {
    JsonNode cached = ref.sha256 == null ? null : outputsBySha.get(ref.sha256);
    if (cached != null) {
      return cached;
    }
    ConfigMap cm =
        client
            .configMaps()
            .inNamespace(task.getMetadata().getNamespace())
            .withName(ref.configMap)
            .get();
    if (cm == null || cm.getData() == null || cm.getData().get(ref.key) == null) {
      return null;
    }
    try {
      JsonNode value = Json.MAPPER.readTree(cm.getData().get(ref.key));
      if (ref.sha256 != null) {
        outputsBySha.put(ref.sha256, value);
      }
      return value;
    } catch (Exception e) {
      return null;
    }
  }

  /** Deterministic and DNS-safe: {@code <task>-<step>-output}, shortened with a hash if needed. */
  static String configMapName(String task, String step) {
    String name = task + "-" + step + "-output";
    if (name.length() <= 253) {
      return name;
    }
    return name.substring(0, 240) + "-" + Json.sha256Hex(name).substring(0, 12);
  }
}
