package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
import dev.steadfast.operator.OperatorHarness;
import dev.steadfast.operator.SteadfastOperator;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The operator against a real kube-apiserver, driven the way users do it: with kubectl. */
@RealApiServer
class OperatorE2EIT {
  static final String NS = "e2e-operator";
  static KubeApiServer server;
  static KubernetesClient client;
  static LlmSimulator sim;
  static SteadfastOperator operator;

  static SteadfastOperator startOperator() {
    return OperatorHarness.start(
        client, c -> c.namespaces(NS).maxConcurrentSteps(8).operatorNamespace(NS).identity("e2e"));
  }

  @BeforeAll
  static void start(KubeApiServer apiServer) {
    server = apiServer;
    client = apiServer.client();
    apiServer.namespace(NS);
    apiServer.installCrd();
    OperatorHarness.boundSecret(client, NS, "llm-credentials", "api-key", "sk-e2e");
    sim = LlmSimulator.builder().port(0).latency(Duration.ofMillis(300)).build().start();
    operator = startOperator();
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (sim != null) {
      sim.stop();
    }
  }

  static Path manifest(String yaml) throws Exception {
    Path f = Files.createTempFile("agenttask", ".yaml");
    Files.writeString(f, yaml.replace("http://127.0.0.1:8089", sim.baseUrl()));
    return f;
  }

  static AgentTask get(String name) {
    return client.resources(AgentTask.class).inNamespace(NS).withName(name).get();
  }

  @Test
  void kubectlApplyGetWaitAndExplain() throws Exception {
    Path file = manifest(Files.readString(Path.of("examples/quickstart.yaml")));
    Kubectl k = server.kubectl();
    assertThat(k.run("apply", "-n", NS, "-f", file.toString()).exitCode()).isZero();
    Kubectl.Result waited =
        k.run("wait", "-n", NS, "--for=condition=Ready", "agenttask/quickstart", "--timeout=90s");
    assertThat(waited.exitCode()).as(waited.toString()).isZero();
    Kubectl.Result table = k.run("get", "agenttasks", "-n", NS);
    assertThat(table.stdout())
        .contains("PHASE")
        .contains("STEP")
        .contains("ATTEMPTS")
        .contains("DEGRADED")
        .contains("AGE")
        .contains("quickstart")
        .contains("Succeeded")
        .contains("triage");
    // status.phase is a selectable field: the API server filters by it.
    assertThat(
            k.run(
                    "get",
                    "agt",
                    "-n",
                    NS,
                    "--field-selector",
                    "status.phase=Succeeded",
                    "-o",
                    "name")
                .stdout())
        .contains("agenttask.steadfast.dev/quickstart");
    Kubectl.Result failed =
        k.run("get", "agt", "-n", NS, "--field-selector", "status.phase=Failed", "-o", "name");
    assertThat(failed.exitCode()).as(failed.toString()).isZero();
    assertThat(failed.stdout()).doesNotContain("quickstart");
    Kubectl.Result wide = k.run("get", "agt", "quickstart", "-n", NS, "-o", "wide");
    assertThat(wide.stdout()).contains("MESSAGE");
    Kubectl.Result explain = k.run("explain", "agenttask.spec.steps");
    assertThat(explain.stdout()).contains("Steps run in order").contains("forEach");
  }

  @Test
  void aStaleCheckpointWriterGets409AndOverwritesNothing() throws Exception {
    client
        .resource(
            Json.YAML.readValue(
                ("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: locked, namespace: "
                        + NS
                        + "}\n"
                        + "spec:\n  steps:\n    - name: a\n      llm: {endpoint: 'SIM/v1', model: m, messages: [{role: user, content: hi}]}\n")
                    .replace("SIM", sim.baseUrl()),
                AgentTask.class))
        .create();
    AgentTask stale = get("locked"); // read before the operator writes any checkpoint
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                get("locked").getStatus() != null
                    && get("locked").getStatus().phase == TaskPhase.Succeeded);
    AgentTaskStatus old = new AgentTaskStatus();
    old.phase = TaskPhase.Pending;
    stale.setStatus(old);
    // The operator writes checkpoints exactly like this: a status PUT carrying the resourceVersion
    // it read.
    KubernetesClientException e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            KubernetesClientException.class, () -> client.resource(stale).updateStatus());
    assertThat(e).isNotNull();
    assertThat(e.getCode()).isEqualTo(409);
    assertThat(get("locked").getStatus().phase).isEqualTo(TaskPhase.Succeeded);

    // The same through the operator's own checkpoint store: a conflict, nothing overwritten.
    var store =
        new dev.steadfast.operator.StatusCheckpointStore(
            client,
            new dev.steadfast.operator.OperatorMetrics(java.util.Map::of, java.util.Map::of));
    stale.setStatus(null); // as read, before any checkpoint
    KubernetesClientException viaStore =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            KubernetesClientException.class, () -> store.save(stale, w -> {}, old));
    assertThat(viaStore).isNotNull();
    assertThat(viaStore.getCode()).isEqualTo(409);
    assertThat(get("locked").getStatus().phase).isEqualTo(TaskPhase.Succeeded);
  }

  @Test
  void aCheckpointWrittenByHandInTheWrongShapeStopsNoOtherTask() throws Exception {
    String yaml =
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: NAME, namespace: "
            + NS
            + "}\nspec:\n  steps:\n    - name: a\n      llm: {endpoint: '"
            + sim.baseUrl()
            + "/v1', model: m, apiKeySecretRef: {name: llm-credentials, key: api-key},"
            + " messages: [{role: user, content: hi}]}\n";
    client
        .resource(Json.YAML.readValue(yaml.replace("NAME", "scribbled"), AgentTask.class))
        .create();
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                get("scribbled").getStatus() != null
                    && get("scribbled").getStatus().phase == TaskPhase.Succeeded);
    assertThat(get("scribbled").getStatus().checkpoint.runId)
        .isEqualTo(get("scribbled").getMetadata().getUid());

    // Someone allowed to write the status subresource scribbles over the checkpoint. The CRD leaves
    // the checkpoint to the operator, so the API server stores it as written.
    var tasks =
        client.genericKubernetesResources("steadfast.dev/v1alpha1", "AgentTask").inNamespace(NS);
    var raw = tasks.withName("scribbled").get();
    @SuppressWarnings("unchecked")
    java.util.Map<String, Object> status =
        (java.util.Map<String, Object>) raw.getAdditionalProperties().get("status");
    status.put(
        "checkpoint", java.util.Map.of("steps", "all of them", "runId", java.util.Map.of("x", 1)));
    tasks.resource(raw).updateStatus();

    // The operator still reads every task: a new one runs to the end ...
    client
        .resource(Json.YAML.readValue(yaml.replace("NAME", "after-scribble"), AgentTask.class))
        .create();
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                get("after-scribble").getStatus() != null
                    && get("after-scribble").getStatus().phase == TaskPhase.Succeeded);
    // ... and the scribbled one is read as a task without a checkpoint. It has finished, so
    // nothing of it runs again: still Succeeded, its output kept, its one model call not repeated.
    String uid = get("scribbled").getMetadata().getUid();
    AgentTask after = get("scribbled");
    assertThat(after.getStatus().phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(after.getStatus().checkpoint).isNull();
    assertThat(after.getStatus().steps)
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.phase).isEqualTo(StepPhase.Succeeded);
              assertThat(s.output).isNotNull();
            });
    assertThat(after.getSpec().steps).hasSize(1);
    assertThat(
            sim.requests().stream()
                .filter(r -> r.idempotencyKey() != null && r.idempotencyKey().startsWith(uid))
                .count())
        .isEqualTo(1);
  }

  @Test
  void largeOutputsLiveInConfigMapsOwnedByTheTask() throws Exception {
    client
        .resource(
            Json.YAML.readValue(
                ("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: big, namespace: "
                        + NS
                        + "}\n"
                        + "spec:\n  steps:\n    - name: fetch\n      http: {url: 'SIM/items?count=300'}\n")
                    .replace("SIM", sim.baseUrl()),
                AgentTask.class))
        .create();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                get("big").getStatus() != null
                    && get("big").getStatus().phase == TaskPhase.Succeeded);
    AgentTask t = get("big");
    var cm =
        client
            .configMaps()
            .inNamespace(NS)
            .withName(t.getStatus().steps.get(0).outputRef.configMap)
            .get();
    assertThat(cm.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getUid()).isEqualTo(t.getMetadata().getUid());
              assertThat(o.getApiVersion()).isEqualTo("steadfast.dev/v1alpha1");
              assertThat(o.getKind()).isEqualTo("AgentTask");
              assertThat(o.getName()).isEqualTo("big");
              assertThat(o.getController()).isTrue();
            });
  }

  /**
   * A task's name may be up to 253 characters, a label value only 63: the output ConfigMap's
   * steadfast.dev/task label is hashed, as a Job's is, or the API server would refuse the ConfigMap
   * and the task could never store its output.
   */
  @Test
  void aTaskWithANameLongerThanALabelStoresItsLargeOutputToo() throws Exception {
    String name =
        "a-task-whose-name-is-longer-than-a-kubernetes-label-value-may-be-" + "x".repeat(40);
    client
        .resource(
            Json.YAML.readValue(
                ("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: NAME, namespace: "
                        + NS
                        + "}\n"
                        + "spec:\n  steps:\n    - name: fetch\n      http: {url: 'SIM/items?count=300'}\n")
                    .replace("SIM", sim.baseUrl())
                    .replace("NAME", name),
                AgentTask.class))
        .create();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                get(name).getStatus() != null
                    && get(name).getStatus().phase == TaskPhase.Succeeded);
    var cm =
        client
            .configMaps()
            .inNamespace(NS)
            .withName(get(name).getStatus().steps.get(0).outputRef.configMap)
            .get();
    String label = cm.getMetadata().getLabels().get("steadfast.dev/task");
    assertThat(label).hasSizeLessThanOrEqualTo(63).startsWith("a-task-whose-name");
    assertThat(cm.getData().get("output.json")).contains("Item 300");
  }

  @Test
  void aBatchTooLargeForAnyObjectFailsOnceWithOutputTooLargeInsteadOfLooping() throws Exception {
    // Six items of ~320 KiB: inline, the status alone would pass the API server's limit, and
    // before units were offloaded every write was refused and every item fetched again.
    client
        .resource(
            Json.YAML.readValue(
                ("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: huge, namespace: "
                        + NS
                        + "}\n"
                        + "spec:\n  inputs: {n: [1, 2, 3, 4, 5, 6]}\n"
                        + "  steps:\n    - name: each\n      forEach: {items: inputs.n, concurrency: 2}\n"
                        + "      http: {url: 'SIM/items?count=10000'}\n")
                    .replace("SIM", sim.baseUrl()),
                AgentTask.class))
        .create();
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                get("huge").getStatus() != null
                    && get("huge").getStatus().phase == TaskPhase.Failed);
    AgentTask t = get("huge");
    var step = t.getStatus().steps.get(0);
    assertThat(step.items.succeeded).isEqualTo(6);
    assertThat(step.lastError.reason).isEqualTo("OutputTooLarge");
    assertThat(step.lastError.message).startsWith("the list of item outputs is ");
    assertThat(server.kubectl().run("get", "agenttask", "huge", "-n", NS).stdout())
        .contains("Failed");
    assertThat(
            sim.requests().stream()
                .map(RecordedRequest::idempotencyKey)
                .filter(k -> k != null && k.startsWith(t.getMetadata().getUid() + "/each/")))
        .as("each item fetched once")
        .hasSize(6)
        .doesNotHaveDuplicates();
    var units = t.getStatus().checkpoint.steps.get(0).units;
    assertThat(units).allSatisfy(u -> assertThat(u.outputRef).isNotNull());
    assertThat(Json.write(t.getStatus()).length()).isLessThan(20_000);
  }

  @Test
  void aNewOperatorResumesWithoutRepeatingFinishedWork() throws Exception {
    String steps =
        "    - name: a\n      llm: {endpoint: 'SIM/v1', model: slow, messages: [{role: user, content: one}]}\n"
            + "    - name: b\n      llm: {endpoint: 'SIM/v1', model: slow, messages: [{role: user, content: two}]}\n";
    try (LlmSimulator slow =
        LlmSimulator.builder().port(0).latency(Duration.ofMillis(2000)).build().start()) {
      client
          .resource(
              Json.YAML.readValue(
                  ("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: resume, namespace: "
                          + NS
                          + "}\n"
                          + "spec:\n  policy: {timeout: 20s}\n  steps:\n"
                          + steps)
                      .replace("SIM", slow.baseUrl()),
                  AgentTask.class))
          .create();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                AgentTask t = get("resume");
                return t.getStatus() != null
                    && t.getStatus().steps.size() == 2
                    && t.getStatus().steps.get(0).phase == StepPhase.Succeeded
                    && t.getStatus().steps.get(1).phase == StepPhase.Running;
              });
      operator.close();
      operator = startOperator();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> get("resume").getStatus().phase == TaskPhase.Succeeded);
      String uid = get("resume").getMetadata().getUid();
      assertThat(slow.requests())
          .filteredOn(r -> r.status() == 200)
          .extracting(RecordedRequest::idempotencyKey)
          .containsOnly(uid + "/a/-/1", uid + "/b/-/1");
      assertThat(slow.requests()).filteredOn(r -> r.idempotencyKey().contains("/a/")).hasSize(1);
    }
  }

  @Test
  void jobStepsCreateAJobOwnedByTheTask() throws Exception {
    // No kubelet or controller-manager here: the Job never runs, but its shape is real.
    client
        .resource(
            Json.YAML.readValue(
                "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: jobby, namespace: "
                    + NS
                    + "}\n"
                    + "spec:\n  steps:\n    - name: evaluate\n      timeout: 60s\n      job: {image: 'busybox:1.36', command: [sh, -c, 'echo {}']}\n",
                AgentTask.class))
        .create();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                !client
                    .batch()
                    .v1()
                    .jobs()
                    .inNamespace(NS)
                    .withLabel("steadfast.dev/task", "jobby")
                    .list()
                    .getItems()
                    .isEmpty());
    AgentTask t = get("jobby");
    var job =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(NS)
            .withLabel("steadfast.dev/task", "jobby")
            .list()
            .getItems()
            .get(0);
    assertThat(job.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getUid()).isEqualTo(t.getMetadata().getUid());
              assertThat(o.getKind()).isEqualTo("AgentTask");
              assertThat(o.getController()).isTrue();
            });
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("busybox:1.36");
    client.resources(AgentTask.class).inNamespace(NS).withName("jobby").delete();
  }
}
