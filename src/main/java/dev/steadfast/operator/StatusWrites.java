package dev.steadfast.operator;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.engine.format.Json;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The status PUT of a checkpoint, through the Kubernetes client's own HTTP client (its TLS,
 * credentials, retries and timeouts), carrying only what the status subresource reads and reading
 * back only the metadata.
 *
 * <p>On {@code /status} the API server takes everything but {@code status} from the stored object,
 * so the body is the task's identity (name, namespace, uid), the resourceVersion it was read at (a
 * stale writer gets 409) and the status, already serialised for the comparison that decided to
 * write it. The reply is asked for as metadata only ({@code PartialObjectMetadata}, as {@code
 * kubectl get -o name} asks for it), so the API server does not encode the task once more; the
 * written task is the one the write was built on with the reply's metadata (the new
 * resourceVersion) and the status sent. The typed client parsed the whole reply back into an
 * AgentTask, a tenth of the operator's CPU per step (docs/benchmarks.md). A server that ignores the
 * request sends the whole task, whose spec and status are skipped unparsed.
 */
final class StatusWrites {
  /** What the reply is asked to be: the task's metadata alone, else the whole task. */
  static final String METADATA_ONLY =
      "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1, application/json";

  private final KubernetesClient client;
  private final HttpClient http;
  private final String tasksUrl;

  StatusWrites(KubernetesClient client) {
    this.client = client;
    this.http = client.getHttpClient();
    String master = client.getMasterUrl().toString();
    this.tasksUrl =
        (master.endsWith("/") ? master : master + "/")
            + "apis/"
            + HasMetadata.getGroup(AgentTask.class)
            + "/"
            + HasMetadata.getVersion(AgentTask.class)
            + "/namespaces/";
  }

  /**
   * PUTs {@code statusJson} (the JSON of {@code status}) as the status of {@code task} at its
   * resourceVersion; returns the task as written. Throws KubernetesClientException with the API
   * server's code and Status on a refusal (409 when the task changed since it was read).
   */
  AgentTask put(AgentTask task, byte[] statusJson, AgentTaskStatus status) {
    AgentTask written = new AgentTask();
    written.setMetadata(metadata(send(task, statusJson)));
    written.setSpec(task.getSpec());
    written.setStatus(status);
    return written;
  }

  /** The PUT itself; returns the reply's bytes, throws on a refusal. */
  byte[] send(AgentTask task, byte[] statusJson) {
    ObjectMeta meta = task.getMetadata();
    byte[] body = body(task, statusJson);
    HttpRequest request =
        http.newHttpRequestBuilder()
            .uri(
                tasksUrl
                    + meta.getNamespace()
                    + "/"
                    + HasMetadata.getPlural(AgentTask.class)
                    + "/"
                    + meta.getName()
                    + "/status")
            // the reply as metadata only: the API server need not encode the task a second time
            .header("Accept", METADATA_ONLY)
            .timeout(client.getConfiguration().getRequestTimeout(), TimeUnit.MILLISECONDS)
            .put("application/json", new ByteArrayInputStream(body), body.length)
            .build();
    HttpResponse<byte[]> response;
    try {
      response = http.sendAsync(request, byte[].class).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KubernetesClientException.launderThrowable(e);
    } catch (ExecutionException e) {
      throw KubernetesClientException.launderThrowable(e.getCause());
    }
    if (!response.isSuccessful()) {
      throw refused(response.code(), response.body(), meta);
    }
    return response.body();
  }

  /** The request body: apiVersion, kind, the identity and resourceVersion, then the status. */
  static byte[] body(AgentTask task, byte[] statusJson) {
    ObjectMeta meta = task.getMetadata();
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", meta.getName());
    metadata.put("namespace", meta.getNamespace());
    if (meta.getUid() != null) {
      metadata.put("uid", meta.getUid()); // a task deleted and created again under its name: 409
    }
    metadata.put("resourceVersion", meta.getResourceVersion());
    Map<String, Object> head = new LinkedHashMap<>();
    head.put("apiVersion", HasMetadata.getApiVersion(AgentTask.class));
    head.put("kind", HasMetadata.getKind(AgentTask.class));
    head.put("metadata", metadata);
    try {
      byte[] prefix = Json.MAPPER.writeValueAsBytes(head); // {...}: its last byte is the '}'
      ByteArrayOutputStream out = new ByteArrayOutputStream(prefix.length + statusJson.length + 16);
      out.write(prefix, 0, prefix.length - 1);
      out.write(",\"status\":".getBytes(StandardCharsets.UTF_8));
      out.write(statusJson);
      out.write('}');
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The metadata of a reply, the rest of it skipped unparsed. */
  static ObjectMeta metadata(byte[] reply) {
    try (JsonParser p = Json.MAPPER.createParser(reply)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new KubernetesClientException("the status write's reply is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if (field.equals("metadata")) {
          return Json.MAPPER.readValue(p, ObjectMeta.class);
        }
        p.skipChildren();
      }
      throw new KubernetesClientException("the status write's reply has no metadata");
    } catch (IOException e) {
      throw new KubernetesClientException("cannot read the status write's reply", e);
    }
  }

  /** The API server's refusal, as the typed client reports it: its code and its Status. */
  private static KubernetesClientException refused(int code, byte[] reply, ObjectMeta meta) {
    Status status = null;
    try {
      status = reply == null ? null : Json.MAPPER.readValue(reply, Status.class);
    } catch (IOException | RuntimeException e) {
      // not a Status (a proxy's page): the code says enough
    }
    String message =
        "status write of agenttask "
            + meta.getNamespace()
            + "/"
            + meta.getName()
            + " refused (HTTP "
            + code
            + ")"
            + (status != null && status.getMessage() != null ? ": " + status.getMessage() : "");
    return new KubernetesClientException(message, code, status);
  }
}
