package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.EngineEvent;
import dev.steadfast.engine.exec.Redactor;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place Kubernetes events are written. A repeat of the same (task, type, reason, message)
 * bumps {@code count} and {@code lastTimestamp} of the event already written instead of adding
 * another, so a step retrying fifty times shows as one line in {@code kubectl describe}. Best
 * effort: API errors are logged and swallowed, never allowed to fail a reconciliation.
 */
public final class EventRecorder {
  /** Event type, as {@code kubectl get events} shows it. */
  public enum Type {
    Normal,
    Warning
  }

  public static final String SOURCE_COMPONENT = "steadfast-operator";
  public static final String REPORTING_COMPONENT = "steadfast.dev/operator";
  public static final int MAX_MESSAGE_BYTES = 1024;

  // Enough for every live task's recent events; older keys only cost a duplicate Event.
  static final int MAX_REMEMBERED = 10_000;
  private static final int MAX_NAME = 253;
  private static final int HASH_CHARS = 16;
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

  private record Key(String uid, Type type, String reason, String message) {
    String digestInput() {
      return String.join("\u0000", uid, type.name(), String.valueOf(reason), message);
    }
  }

  private final KubernetesClient client;
  private final Clock clock;
  private final Map<Key, String> names =
      Collections.synchronizedMap(
          new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, String> eldest) {
              return size() > MAX_REMEMBERED;
            }
          });

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  /** Writes the event, or bumps the count of an identical one; never throws. */
  public void record(AgentTask task, EngineEvent event) {
    try {
      Type type = event.warning() ? Type.Warning : Type.Normal;
      String message = message(event);
      ObjectMeta meta = task.getMetadata();
      String uid =
          meta.getUid() != null ? meta.getUid() : meta.getNamespace() + "/" + meta.getName();
      // Retries differ only in numbers ("retry 2/5 in 1s", "retry 3/5 in 2s"): one Event with a
      // count and the latest message, not one Event per retry.
      Key key = new Key(uid, type, event.reason(), message.replaceAll("[0-9]+", "#"));
      String now = now();
      String known = names.get(key);
      if (known != null && bump(meta.getNamespace(), known, now, message)) {
        return;
      }
      String name = eventName(meta.getName(), key.digestInput(), now);
      create(task, type, event.reason(), message, name, now);
      names.put(key, name);
    } catch (RuntimeException e) {
      LOG.warn(
          "could not record event {} for agenttask {}: {}",
          event == null ? null : event.reason(),
          describe(task),
          rootCause(e));
    }
  }

  private static String rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e ? e.toString() : e.getMessage() + " (" + root + ")";
  }

  private static String describe(AgentTask task) {
    ObjectMeta meta = task == null ? null : task.getMetadata();
    return meta == null ? "?" : meta.getNamespace() + "/" + meta.getName();
  }

  static String message(EngineEvent event) {
    String text = event.message() == null ? "" : event.message();
    String full = event.step() != null ? event.step() + ": " + text : text;
    return Redactor.capUtf8(full, MAX_MESSAGE_BYTES);
  }

  /** False when the event is gone (expired after the API server's event TTL, or deleted). */
  private boolean bump(String namespace, String name, String now, String message) {
    try {
      client
          .v1()
          .events()
          .inNamespace(namespace)
          .withName(name)
          .edit(
              e -> {
                e.setCount(e.getCount() == null ? 2 : e.getCount() + 1);
                e.setLastTimestamp(now);
                e.setMessage(message);
                return e;
              });
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  private void create(
      AgentTask task, Type type, String reason, String message, String name, String now) {
    ObjectMeta meta = task.getMetadata();
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(meta.getNamespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(HasMetadata.getApiVersion(AgentTask.class))
            .withKind(HasMetadata.getKind(AgentTask.class))
            .withName(meta.getName())
            .withNamespace(meta.getNamespace())
            .withUid(meta.getUid())
            .endInvolvedObject()
            .withType(type.name())
            .withReason(reason)
            .withMessage(message)
            .withNewSource()
            .withComponent(SOURCE_COMPONENT)
            .endSource()
            .withReportingComponent(REPORTING_COMPONENT)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .build();
    try {
      client.v1().events().inNamespace(meta.getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      // The same key at the same second after a restart lands on the same name: that is a repeat.
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT
          || !bump(meta.getNamespace(), name, now, message)) {
        throw e;
      }
    }
  }

  /** {@code <task-name>.<hash>}: the task's name is already a DNS subdomain, the hash is hex. */
  static String eventName(String taskName, String key, String firstTimestamp) {
    String hash = sha256(key + "\u0000" + firstTimestamp).substring(0, HASH_CHARS);
    String prefix = taskName;
    int room = MAX_NAME - 1 - HASH_CHARS;
    if (prefix.length() > room) {
      prefix = prefix.substring(0, room).replaceAll("[^a-z0-9]+$", "");
    }
    return prefix + "." + hash;
  }

  private String now() {
    // metav1.Time has second precision; anything finer would be dropped by the API server anyway.
    return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
  }

  private static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
