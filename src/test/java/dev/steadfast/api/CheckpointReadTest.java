package dev.steadfast.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.Json;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * status.checkpoint is stored as written (the CRD gives it no fields), so the operator must read
 * whatever is there: a hand-written checkpoint of the wrong shape is no checkpoint, and the task
 * around it, and every other task, still parse.
 */
class CheckpointReadTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private static AgentTask read(String checkpoint) {
    return SERIALIZATION.unmarshal(
        """
        {"apiVersion": "steadfast.dev/v1alpha1", "kind": "AgentTask",
         "metadata": {"name": "t", "namespace": "team-a"},
         "spec": {"steps": [{"name": "s1", "http": {"url": "https://example.com"}}]},
         "status": {"phase": "Running", "attempts": 3,
                    "steps": [{"name": "s1", "phase": "Succeeded", "attempts": 1}],
                    "checkpoint": %s}}
        """
            .formatted(checkpoint),
        AgentTask.class);
  }

  @Test
  void aCheckpointAsTheOperatorWritesItIsReadWhole() {
    AgentTask task =
        read(
            """
            {"specHash": "6a20051c881bcd78f680c2dc98e16f0a", "runId": "r-1",
             "steps": [{"name": "s1", "definitionHash": "5e2f", "units": [
               {"phase": "Succeeded", "attempts": 1}]}]}
            """);
    Checkpoint cp = task.getStatus().checkpoint;
    assertThat(cp.specHash).isEqualTo("6a20051c881bcd78f680c2dc98e16f0a");
    assertThat(cp.runId).isEqualTo("r-1");
    assertThat(cp.steps)
        .singleElement()
        .satisfies(s -> assertThat(s.definitionHash).isEqualTo("5e2f"));
    assertThat(cp.steps.get(0).units)
        .singleElement()
        .satisfies(u -> assertThat(u.phase).isEqualTo(StepPhase.Succeeded));
  }

  @Test
  void fieldsItDoesNotKnowAreSkipped() {
    // a checkpoint written by a later version, with fields this one does not have
    AgentTask task =
        read(
            """
            {"specHash": "6a20", "laterField": {"x": [1, 2]},
             "steps": [{"name": "s1", "definitionHash": "5e2f", "alsoLater": true, "units": [
               {"phase": "Succeeded", "attempts": 1, "laterStill": "y",
                "lastError": {"tier": "Transient", "reason": "RateLimited", "later": 1}}]}]}
            """);
    Checkpoint cp = task.getStatus().checkpoint;
    assertThat(cp).isNotNull();
    assertThat(cp.specHash).isEqualTo("6a20");
    assertThat(cp.steps.get(0).units.get(0).lastError.reason).isEqualTo("RateLimited");
  }

  @Test
  void aCheckpointOfTheWrongShapeIsNoCheckpointAndTheRestOfTheTaskStillParses() {
    for (String wrong :
        new String[] {
          "{\"steps\": \"all of them\"}",
          "{\"steps\": [{\"units\": [{\"attempts\": \"many\"}]}]}",
          "{\"attemptsBeforeBudget\": {\"a\": 1}}",
          "{\"steps\": [{\"units\": [{\"phase\": \"Exploded\"}]}]}"
        }) {
      AgentTask task = read(wrong);
      assertThat(task.getStatus().checkpoint).as(wrong).isNull();
      assertThat(task.getStatus().phase).as(wrong).isEqualTo(TaskPhase.Running);
      assertThat(task.getStatus().attempts).as(wrong).isEqualTo(3);
      assertThat(task.getStatus().steps)
          .as(wrong)
          .singleElement()
          .satisfies(s -> assertThat(s.phase).isEqualTo(StepPhase.Succeeded));
      assertThat(task.getSpec().steps).as(wrong).hasSize(1);
    }
  }

  @Test
  void theCrdLeavesTheCheckpointToTheOperator() throws Exception {
    JsonNode checkpoint =
        Json.YAML
            .readTree(Files.readString(Path.of("crds/agenttasks.steadfast.dev-v1.yml")))
            .at("/spec/versions/0/schema/openAPIV3Schema/properties/status/properties/checkpoint");
    assertThat(checkpoint.path("type").asText()).isEqualTo("object");
    assertThat(checkpoint.path("x-kubernetes-preserve-unknown-fields").asBoolean()).isTrue();
    assertThat(checkpoint.has("properties")).isFalse();
  }
}
