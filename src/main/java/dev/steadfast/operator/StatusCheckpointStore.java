package dev.steadfast.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.io.ByteStreams;
import com.google.common.io.CountingOutputStream;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.OutputRef;
import dev.steadfast.api.StepCheckpoint;
import dev.steadfast.api.StepStatus;
import dev.steadfast.api.UnitCheckpoint;
import dev.steadfast.engine.ResponseCache;
import dev.steadfast.engine.format.Json;
import dev.steadfast.operator.jobs.JobLabels;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The operator's checkpoint: the task's status subresource, written with optimistic locking (a PUT
 * carrying the resourceVersion we read, so a stale writer — an old leader, a second replica — gets
 * 409 and never overwrites a newer checkpoint). The written resource is cached for the next
 * reconcile so it never starts from a status older than its own last write.
 *
 * <p>Whatever is over 4 KiB of JSON — a step's output, a unit's output (a forEach item, or the
 * step's own output kept for resuming), an agent's transcript — lives in a ConfigMap owned by the
 * task and is referenced by name and SHA-256, so the status stays small however large the batch
 * (the API server refuses objects over about 1.5 MiB). A plain step's output is stored once, for
 * the step and its unit. The engine fails anything too large for one ConfigMap (OutputTooLarge).
 */
public final class StatusCheckpointStore {
  static final int INLINE_LIMIT = 4096;
  static final String OUTPUT_KEY = "output.json";

  private static final int MAX_SPEC_SIZES = 100_000;

  private final KubernetesClient client;
  private final OperatorMetrics metrics;
  private final StatusWrites statusWrites;

  /** By task uid: {generation, bytes of the spec's JSON}. */
  private final Map<String, long[]> specBytes = new ConcurrentHashMap<>();

  /**
   * Outputs read back or written recently, by namespace and owner UID + SHA-256 (see {@link
   * #cacheKey}); bounded by their size.
   */
  private final ResponseCache outputs = ResponseCache.inMemory(64L * 1024 * 1024);

  public StatusCheckpointStore(KubernetesClient client, OperatorMetrics metrics) {
    this.client = client;
    this.metrics = metrics;
    this.statusWrites = new StatusWrites(client);
  }

  /** A working copy of the task's status, with outputs stored in ConfigMaps read back inline. */
  public AgentTaskStatus load(AgentTask task) {
    AgentTaskStatus status =
        task.getStatus() == null
            ? new AgentTaskStatus()
            : Json.copy(task.getStatus(), AgentTaskStatus.class);
    for (StepStatus s : status.steps) {
      if (s.output == null && s.outputRef != null) {
        s.output = read(task, s.outputRef);
      }
    }
    if (status.checkpoint != null) {
      for (StepCheckpoint cp : status.checkpoint.steps) {
        for (UnitCheckpoint u : cp.units) {
          if (u.output == null && u.outputRef != null) {
            u.output = read(task, u.outputRef);
          }
          if (u.transcript == null && u.transcriptRef != null) {
            u.transcript = read(task, u.transcriptRef);
          }
        }
      }
    }
    return status;
  }

  /**
   * Writes the status when it differs from the one on the resource; returns false when nothing
   * changed. Throws KubernetesClientException (409) when the resource changed since it was read,
   * StatusTooLargeException (nothing sent) when the task would be too large to store.
   */
  public boolean save(AgentTask task, Context<AgentTask> context, AgentTaskStatus status) {
    // The next reconcile starts from what we wrote, not from an older informer copy.
    return save(
        task,
        written ->
            context
                .eventSourceRetriever()
                .getControllerEventSource()
                .handleRecentResourceUpdate(ResourceID.fromResource(written), written, task),
        status);
  }

  /** {@link #save(AgentTask, Context, AgentTaskStatus)}, telling {@code written} what was. */
  public boolean save(AgentTask task, Consumer<AgentTask> written, AgentTaskStatus status) {
    AgentTaskStatus stored = deflate(task, status);
    byte[] json = json(stored);
    if (task.getStatus() != null && Arrays.equals(json, json(task.getStatus()))) {
      return false;
    }
    // Measured before sending: a write the API server refuses for its size would be refused again
    // on every retry, and the task would loop on it.
    int bytes = json.length + specBytes(task) + jsonBytes(task.getMetadata());
    if (bytes > StatusTooLargeException.MAX_OBJECT_BYTES) {
      throw new StatusTooLargeException(bytes);
    }
    // Not PrimaryUpdateAndCacheUtils: on a 409 it waits for the fresher resource in the cache
    // and applies our status to it again, which is overwriting a newer checkpoint with an older
    // one, the one thing this write must never do. A plain PUT carrying the resourceVersion read
    // fails instead, and the reconciler folds its outcomes again on the fresh status.
    try {
      written.accept(statusWrites.put(task, json, stored));
      metrics.checkpointWrite("ok");
      return true;
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      metrics.checkpointWrite(e.getCode() == 409 ? "conflict" : "error");
      throw e;
    }
  }

  /** The JSON of the spec of the task's generation, measured once per generation. */
  private int specBytes(AgentTask task) {
    String uid = task.getMetadata().getUid();
    Long generation = task.getMetadata().getGeneration();
    if (uid == null || generation == null) {
      return jsonBytes(task.getSpec());
    }
    long[] known = specBytes.get(uid);
    if (known != null && known[0] == generation) {
      return (int) known[1];
    }
    int measured = jsonBytes(task.getSpec());
    if (specBytes.size() >= MAX_SPEC_SIZES) {
      specBytes.clear(); // entries of tasks deleted unseen; clearing costs a measure each
    }
    specBytes.put(uid, new long[] {generation, measured});
    return measured;
  }

  private static byte[] json(AgentTaskStatus status) {
    try {
      return Json.MAPPER.writeValueAsBytes(status);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The status as stored: outputs over the inline limit replaced by references. The status itself
   * when nothing is to be replaced (the usual case: copying it would be most of the cost of a
   * checkpoint that changes a phase and a timestamp), a copy otherwise.
   */
  private AgentTaskStatus deflate(AgentTask task, AgentTaskStatus status) {
    // First where each output goes (this offloads those too large), then, only if a field
    // changes, a copy that says so.
    Map<StepStatus, OutputRef> stepOffloads = new IdentityHashMap<>();
    Map<String, OutputRef> stepRefs = new HashMap<>();
    boolean changes = false;
    for (StepStatus s : status.steps) {
      if (s.output == null) {
        continue;
      }
      OutputRef ref = offload(task, s.name, s.name + "-output", s.output, s.outputRef, null);
      stepOffloads.put(s, ref);
      changes |= ref != null || s.outputRef != null;
      if (ref != null) {
        stepRefs.put(s.name, ref);
      }
    }
    Map<UnitCheckpoint, OutputRef> unitOutputs = new IdentityHashMap<>();
    Map<UnitCheckpoint, OutputRef> unitTranscripts = new IdentityHashMap<>();
    if (status.checkpoint != null) {
      for (StepCheckpoint cp : status.checkpoint.steps) {
        for (UnitCheckpoint u : cp.units) {
          String unit = cp.name + (u.index == null ? "" : "." + u.index);
          if (u.output != null) {
            OutputRef ref =
                offload(
                    task, cp.name, unit + ".output", u.output, u.outputRef, stepRefs.get(cp.name));
            unitOutputs.put(u, ref);
            changes |= ref != null || u.outputRef != null;
          }
          if (u.transcript != null) {
            OutputRef ref =
                offload(task, cp.name, unit + ".transcript", u.transcript, u.transcriptRef, null);
            unitTranscripts.put(u, ref);
            changes |= ref != null || u.transcriptRef != null;
          }
        }
      }
    }
    if (!changes) {
      return status;
    }
    AgentTaskStatus copy = Json.copy(status, AgentTaskStatus.class);
    for (int i = 0; i < status.steps.size(); i++) {
      StepStatus s = status.steps.get(i);
      if (stepOffloads.containsKey(s)) {
        OutputRef ref = stepOffloads.get(s);
        copy.steps.get(i).outputRef = ref;
        if (ref != null) {
          copy.steps.get(i).output = null;
        }
      }
    }
    if (status.checkpoint == null) {
      return copy;
    }
    for (int c = 0; c < status.checkpoint.steps.size(); c++) {
      List<UnitCheckpoint> units = status.checkpoint.steps.get(c).units;
      List<UnitCheckpoint> copied = copy.checkpoint.steps.get(c).units;
      for (int i = 0; i < units.size(); i++) {
        UnitCheckpoint u = units.get(i);
        if (unitOutputs.containsKey(u)) {
          copied.get(i).outputRef = unitOutputs.get(u);
          if (copied.get(i).outputRef != null) {
            copied.get(i).output = null;
          }
        }
        if (unitTranscripts.containsKey(u)) {
          copied.get(i).transcriptRef = unitTranscripts.get(u);
          if (copied.get(i).transcriptRef != null) {
            copied.get(i).transcript = null;
          }
        }
      }
    }
    return copy;
  }

  /**
   * Where a value over the inline limit is stored: {@code current} when it already holds it, {@code
   * shared} (the step's own ConfigMap) when that holds the same JSON, a ConfigMap {@code
   * <task>-<suffix>} written now otherwise. Null when the value fits inline.
   */
  private OutputRef offload(
      AgentTask task,
      String step,
      String suffix,
      JsonNode value,
      OutputRef current,
      OutputRef shared) {
    String json = Json.write(value);
    int bytes = json.getBytes(StandardCharsets.UTF_8).length;
    if (bytes <= INLINE_LIMIT) {
      return null;
    }
    String sha = Json.sha256Hex(json);
    if (current != null && sha.equals(current.sha256)) {
      return current;
    }
    if (shared != null && sha.equals(shared.sha256)) {
      return shared;
    }
    // Cached once, when written: a value already stored was cached when it was read back.
    outputs.put(task.getMetadata().getNamespace(), cacheKey(task, sha), value);
    return write(task, step, configMapName(task.getMetadata().getName(), suffix), json, sha);
  }

  /**
   * Creates or updates the ConfigMap, but only one this task owns: a ConfigMap of that name owned
   * by anyone else (another task, a person, a Helm release) is never overwritten — {@link
   * OutputConflictException}. The update carries the resourceVersion read, so a ConfigMap replaced
   * between our read and our write is refused by the API server (409) rather than overwritten.
   */
  private OutputRef write(AgentTask task, String step, String name, String json, String sha) {
    String namespace = task.getMetadata().getNamespace();
    ConfigMap existing = client.configMaps().inNamespace(namespace).withName(name).get();
    if (existing != null && !ownedBy(existing, task)) {
      throw new OutputConflictException(name, step);
    }
    ConfigMap cm =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(task.getMetadata().getNamespace())
            .addToLabels("app.kubernetes.io/managed-by", "steadfast")
            // A task's name may be 253 characters, a label value 63: hashed when longer, as on
            // Jobs.
            .addToLabels(JobLabels.TASK, JobLabels.value(task.getMetadata().getName()))
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
    if (existing == null) {
      // A 409 here (created since our read) goes up like any conflict: the next reconcile reads
      // it again and checks its owner.
      client.configMaps().inNamespace(namespace).resource(cm).create();
    } else {
      cm.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      client.configMaps().inNamespace(namespace).resource(cm).update();
    }
    OutputRef ref = new OutputRef();
    ref.configMap = name;
    ref.key = OUTPUT_KEY;
    ref.sha256 = sha;
    return ref;
  }

  /** The size of a value's JSON in UTF-8, counted as it is written rather than kept. */
  private static int jsonBytes(Object value) {
    CountingOutputStream counted = new CountingOutputStream(ByteStreams.nullOutputStream());
    try {
      Json.MAPPER.writeValue(counted, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return (int) Math.min(Integer.MAX_VALUE, counted.getCount());
  }

  /** Whether the task is among the object's owners, by UID (a name can be reused, a UID not). */
  static boolean ownedBy(ConfigMap cm, AgentTask task) {
    String uid = task.getMetadata().getUid();
    return uid != null
        && cm.getMetadata().getOwnerReferences() != null
        && cm.getMetadata().getOwnerReferences().stream().anyMatch(o -> uid.equals(o.getUid()));
  }

  /**
   * The output a reference of the task's status points at, or null when it is not the task's: a
   * ConfigMap the task does not own, or whose content is not what was written (its SHA-256). A
   * status is only ever written by the operator, but whoever may write {@code agenttasks/status}
   * must not be able to point a reference at another ConfigMap of the namespace and have the
   * operator read it into a task (or into a fork, which reads its source's outputs).
   */
  private JsonNode read(AgentTask task, OutputRef ref) {
    if (ref.sha256 == null || ref.configMap == null || ref.key == null) {
      return null; // every reference the operator writes has all three
    }
    String namespace = task.getMetadata().getNamespace();
    String key = cacheKey(task, ref.sha256);
    var cached = outputs.get(namespace, key).orElse(null);
    if (cached != null) {
      return cached;
    }
    ConfigMap cm = client.configMaps().inNamespace(namespace).withName(ref.configMap).get();
    if (cm == null || cm.getData() == null || cm.getData().get(ref.key) == null) {
      return null;
    }
    if (!ownedBy(cm, task)) {
      return null;
    }
    try {
      String json = cm.getData().get(ref.key);
      if (!ref.sha256.equals(Json.sha256Hex(json))) {
        return null; // not what we wrote: someone replaced it, so it is not this task's output
      }
      JsonNode value = Json.MAPPER.readTree(json);
      outputs.put(namespace, key, value);
      return value;
    } catch (Exception e) {
      return null;
    }
  }

  /**
   * Cached outputs are found by their owner's UID as well as their SHA-256: a SHA-256 is public
   * (every status shows it), so by itself it would hand one task's output to another task whose
   * status names the same digest.
   */
  private static String cacheKey(AgentTask task, String sha) {
    return task.getMetadata().getUid() + "/" + sha;
  }

  /**
   * Deterministic and DNS-safe: {@code <task>-<step>-output} for a step, {@code
   * <task>-<step>.<item>.output} or {@code .transcript} for a unit (step names have no dots, so the
   * two never collide), shortened with a hash if needed.
   */
  static String configMapName(String task, String suffix) {
    String name = task + "-" + suffix;
    if (name.length() <= 253) {
      return name;
    }
    return name.substring(0, 240) + "-" + Json.sha256Hex(name).substring(0, 12);
  }
}
