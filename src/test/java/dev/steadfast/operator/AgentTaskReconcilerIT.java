package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.Condition;
import dev.steadfast.engine.Json;
import dev.steadfast.engine.status.Conditions;
import dev.steadfast.engine.validation.TaskValidator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The first reconciler on fabric8's mock API server (CRUD mode). */
@EnableKubernetesMockClient(crud = true)
class AgentTaskReconcilerIT {
  static KubernetesClient client;
  Operator operator;

  @BeforeEach
  void start() {
    operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    .withUseSSAToPatchPrimaryResource(false)
                    .withCloseClientOnStop(false));
    operator.register(new AgentTaskReconciler(TaskValidator.bundled(), Clock.systemUTC()));
    operator.start();
  }

  @AfterEach
  void stop() {
    operator.stop();
  }

  static AgentTask task(String yaml) throws Exception {
    return Json.YAML.readValue(yaml, AgentTask.class);
  }

  AgentTask fetch(String name) {
    return client.resources(AgentTask.class).inNamespace("default").withName(name).get();
  }

  @Test
  void validTaskIsAcceptedAndReconciling() throws Exception {
    AgentTask t =
        task(
            "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: ok, namespace: default}\n"
                + "spec:\n  steps:\n    - name: a\n      http: {url: 'http://example.test'}\n");
    client.resource(t).create();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              AgentTask got = fetch("ok");
              assertThat(got.getStatus()).isNotNull();
              assertThat(got.getStatus().observedGeneration)
                  .isEqualTo(got.getMetadata().getGeneration());
              assertThat(Conditions.isTrue(got.getStatus().conditions, Conditions.RECONCILING))
                  .isTrue();
              assertThat(Conditions.isTrue(got.getStatus().conditions, Conditions.STALLED))
                  .isFalse();
              assertThat(got.getStatus().steps).extracting(s -> s.name).containsExactly("a");
            });
  }

  @Test
  void invalidSpecStallsWithAMessageNamingTheField() throws Exception {
    // The mock server validates nothing, so the reconciler's own checks must catch this.
    AgentTask t =
        task(
            "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: bad, namespace: default}\n"
                + "spec:\n  steps:\n    - name: a\n      http: {url: '{{ steps.ghost.output }}'}\n");
    client.resource(t).create();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              AgentTask got = fetch("bad");
              assertThat(got.getStatus()).isNotNull();
              assertThat(got.getStatus().phase.name()).isEqualTo("Failed");
              Condition stalled = Conditions.find(got.getStatus().conditions, Conditions.STALLED);
              assertThat(stalled.status).isEqualTo("True");
              assertThat(stalled.reason).isEqualTo("InvalidSpec");
              assertThat(stalled.message).contains("spec.steps[0].http.url").contains("ghost");
              assertThat(stalled.observedGeneration).isEqualTo(got.getMetadata().getGeneration());
              assertThat(Conditions.find(got.getStatus().conditions, Conditions.READY).status)
                  .isEqualTo("False");
            });
  }

  @Test
  void malformedResourceDoesNotBlockOthers() throws Exception {
    AgentTask broken =
        task(
            "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: nosteps, namespace: default}\nspec: {}\n");
    client.resource(broken).create();
    AgentTask good =
        task(
            "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: fine, namespace: default}\n"
                + "spec:\n  steps:\n    - name: a\n      http: {url: 'http://example.test'}\n");
    client.resource(good).create();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(
                      Conditions.find(fetch("nosteps").getStatus().conditions, Conditions.STALLED)
                          .message)
                  .contains("spec.steps");
              assertThat(
                      Conditions.isTrue(
                          fetch("fine").getStatus().conditions, Conditions.RECONCILING))
                  .isTrue();
            });
  }
}
