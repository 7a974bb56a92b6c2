package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.OutputRef;
import dev.steadfast.api.StepStatus;
import dev.steadfast.engine.format.Json;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Outputs read back from ConfigMaps are only ever the task's own. */
@EnableKubernetesMockClient(crud = true)
class StatusCheckpointStoreTest {
  static KubernetesClient client;

  static final String SECRET_OUTPUT = "{\"payroll\":\"only team-a's task may read this\"}";

  @Test
  void aReferenceToAConfigMapTheTaskDoesNotOwnReadsAsNoOutput() {
    // Another task's output, owned by it; its digest is public (its status shows it).
    client.configMaps().resource(output("victim-fetch-output", "uid-victim")).create();
    String sha = Json.sha256Hex(SECRET_OUTPUT);
    StatusCheckpointStore store = new StatusCheckpointStore(client, metrics());

    AgentTaskStatus victimView =
        store.load(task("victim", "uid-victim", "victim-fetch-output", sha));
    AgentTaskStatus forged =
        store.load(task("intruder", "uid-intruder", "victim-fetch-output", sha));
    AgentTaskStatus noDigest =
        store.load(task("intruder", "uid-intruder", "victim-fetch-output", null));

    assertThat(victimView.steps.get(0).output.toString()).contains("payroll");
    // Read after the victim's, so a cache keyed by the digest alone would have answered.
    assertThat(forged.steps.get(0).output).isNull();
    assertThat(noDigest.steps.get(0).output).isNull();
  }

  @Test
  void aConfigMapReplacedByAnotherContentReadsAsNoOutput() {
    client.configMaps().resource(output("own-fetch-output", "uid-own")).create();
    StatusCheckpointStore store = new StatusCheckpointStore(client, metrics());

    AgentTaskStatus status =
        store.load(task("own", "uid-own", "own-fetch-output", Json.sha256Hex("{\"other\":1}")));

    assertThat(status.steps.get(0).output).isNull();
  }

  static OperatorMetrics metrics() {
    return new OperatorMetrics(Map::of, Map::of);
  }

  static ConfigMap output(String name, String ownerUid) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("test")
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion("steadfast.dev/v1alpha1")
                .withKind("AgentTask")
                .withName(name.replace("-fetch-output", ""))
                .withUid(ownerUid)
                .withController(true)
                .build())
        .endMetadata()
        .addToData(StatusCheckpointStore.OUTPUT_KEY, SECRET_OUTPUT)
        .build();
  }

  static AgentTask task(String name, String uid, String configMap, String sha) {
    AgentTask task = new AgentTask();
    task.setMetadata(
        new ObjectMetaBuilder().withName(name).withNamespace("test").withUid(uid).build());
    AgentTaskStatus status = new AgentTaskStatus();
    StepStatus step = new StepStatus();
    step.name = "fetch";
    step.outputRef = new OutputRef();
    step.outputRef.configMap = configMap;
    step.outputRef.key = StatusCheckpointStore.OUTPUT_KEY;
    step.outputRef.sha256 = sha;
    status.steps.add(step);
    task.setStatus(status);
    return task;
  }
}
