package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.e2e.KubeApiServer;
import dev.steadfast.e2e.RealApiServer;
import dev.steadfast.engine.format.Json;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's status PUT against a real API server: what it stores, what it answers, refusals.
 */
@RealApiServer
class StatusWritesE2EIT {
  static final String NS = "e2e-status-writes";
  static KubernetesClient client;
  static StatusWrites writes;

  @BeforeAll
  static void start(KubeApiServer apiServer) {
    client = apiServer.client();
    apiServer.namespace(NS);
    apiServer.installCrd();
    writes = new StatusWrites(client);
  }

  static AgentTask create(String name) throws Exception {
    return client
        .resource(
            Json.YAML.readValue(
                "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: "
                    + name
                    + ", namespace: "
                    + NS
                    + ", labels: {team: a}}\nspec:\n  steps:\n    - name: s1\n"
                    + "      http: {url: 'https://example.com/'}\n",
                AgentTask.class))
        .create();
  }

  static byte[] json(AgentTaskStatus status) throws Exception {
    return Json.MAPPER.writeValueAsBytes(status);
  }

  @Test
  void theStatusIsStoredTheRestIsKeptAndTheReplyIsTheMetadataOnly() throws Exception {
    AgentTask task = create("stored");
    AgentTaskStatus status = new AgentTaskStatus();
    status.phase = TaskPhase.Running;
    status.message = "step s1: attempt 1 running";

    JsonNode reply = Json.MAPPER.readTree(writes.send(task, json(status)));

    assertThat(reply.path("kind").asText()).isEqualTo("PartialObjectMetadata");
    assertThat(reply.has("spec")).isFalse();
    assertThat(reply.has("status")).isFalse();
    AgentTask stored = client.resources(AgentTask.class).inNamespace(NS).withName("stored").get();
    assertThat(reply.at("/metadata/resourceVersion").asText())
        .isEqualTo(stored.getMetadata().getResourceVersion())
        .isNotEqualTo(task.getMetadata().getResourceVersion());
    assertThat(stored.getStatus().phase).isEqualTo(TaskPhase.Running);
    assertThat(stored.getStatus().message).isEqualTo("step s1: attempt 1 running");
    // what the body did not carry is the stored task's, unchanged
    assertThat(stored.getSpec().steps)
        .singleElement()
        .satisfies(s -> assertThat(s.name).isEqualTo("s1"));
    assertThat(stored.getMetadata().getLabels()).containsEntry("team", "a");

    AgentTask written = writes.put(stored, json(status), status);
    assertThat(written.getMetadata().getResourceVersion())
        .isEqualTo(
            client
                .resources(AgentTask.class)
                .inNamespace(NS)
                .withName("stored")
                .get()
                .getMetadata()
                .getResourceVersion());
    assertThat(written.getSpec()).isSameAs(stored.getSpec());
    assertThat(written.getStatus()).isSameAs(status);
  }

  @Test
  void aStaleResourceVersionOrAnotherTaskOfTheSameNameIsRefusedWith409() throws Exception {
    AgentTask read = create("refused");
    AgentTaskStatus status = new AgentTaskStatus();
    status.phase = TaskPhase.Running;
    writes.put(read, json(status), status); // now `read` is stale

    AgentTaskStatus older = new AgentTaskStatus();
    older.phase = TaskPhase.Pending;
    KubernetesClientException stale =
        catchThrowableOfType(
            KubernetesClientException.class, () -> writes.put(read, json(older), older));
    assertThat(stale.getCode()).isEqualTo(409);
    assertThat(stale.getStatus()).isNotNull();
    assertThat(stale.getMessage()).contains("refused").contains("409");

    // deleted and created again under its name: the uid differs
    client.resource(read).delete();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(
            () ->
                client.resources(AgentTask.class).inNamespace(NS).withName("refused").get()
                    == null);
    AgentTask again = create("refused");
    AgentTask oldUid =
        Json.MAPPER.convertValue(
            Json.MAPPER.convertValue(again, java.util.Map.class), AgentTask.class);
    oldUid.getMetadata().setUid(read.getMetadata().getUid());
    KubernetesClientException other =
        catchThrowableOfType(
            KubernetesClientException.class, () -> writes.put(oldUid, json(older), older));
    assertThat(other.getCode()).isEqualTo(409);
    assertThat(
            client.resources(AgentTask.class).inNamespace(NS).withName("refused").get().getStatus())
        .isNull();
  }
}
