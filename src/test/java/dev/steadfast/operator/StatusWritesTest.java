package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StatusWritesTest {
  @Test
  void theBodyCarriesTheIdentityTheResourceVersionReadAndTheStatusNothingElse() throws Exception {
    AgentTask task =
        Json.YAML.readValue(
            """
            apiVersion: steadfast.dev/v1alpha1
            kind: AgentTask
            metadata: {name: t, namespace: team-a, uid: u-1, resourceVersion: "41", generation: 2,
                       labels: {a: b}, annotations: {c: d}}
            spec:
              steps: [{name: s1, http: {url: "https://example.com"}}]
            """,
            AgentTask.class);
    AgentTaskStatus status = new AgentTaskStatus();
    status.phase = TaskPhase.Running;
    status.message = "quote \" and unicode é";

    JsonNode body =
        Json.MAPPER.readTree(StatusWrites.body(task, Json.MAPPER.writeValueAsBytes(status)));

    assertThat(body.path("apiVersion").asText()).isEqualTo("steadfast.dev/v1alpha1");
    assertThat(body.path("kind").asText()).isEqualTo("AgentTask");
    assertThat(Json.MAPPER.convertValue(body.path("metadata"), java.util.Map.class))
        .containsOnlyKeys("name", "namespace", "uid", "resourceVersion")
        .containsEntry("resourceVersion", "41")
        .containsEntry("uid", "u-1");
    assertThat(body.has("spec")).isFalse();
    assertThat(body.path("status").path("phase").asText()).isEqualTo("Running");
    assertThat(body.path("status").path("message").asText()).isEqualTo("quote \" and unicode é");
  }

  @Test
  void theReplysMetadataIsReadWhereverItStandsAndTheRestIsSkipped() {
    String reply =
        """
        {"apiVersion": "steadfast.dev/v1alpha1", "kind": "AgentTask",
         "spec": {"steps": [{"name": "s1", "llm": {"messages": [{"content": "{\\"metadata\\": 1}"}]}}]},
         "status": {"phase": "Running", "metadata": {"name": "not this"}},
         "metadata": {"name": "t", "namespace": "team-a", "uid": "u-1", "resourceVersion": "42",
                      "generation": 2, "managedFields": [{"manager": "steadfast", "operation": "Update",
                      "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {}}}]}}
        """;
    ObjectMeta meta = StatusWrites.metadata(reply.getBytes(StandardCharsets.UTF_8));
    assertThat(meta)
        .usingRecursiveComparison()
        .ignoringFields("managedFields")
        .isEqualTo(
            new ObjectMetaBuilder()
                .withName("t")
                .withNamespace("team-a")
                .withUid("u-1")
                .withResourceVersion("42")
                .withGeneration(2L)
                .build());
    assertThat(meta.getManagedFields())
        .singleElement()
        .satisfies(m -> assertThat(m.getManager()).isEqualTo("steadfast"));
  }
}
