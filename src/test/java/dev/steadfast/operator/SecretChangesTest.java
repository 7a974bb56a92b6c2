package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.engine.format.Json;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The operator watches Secrets to retry tasks stalled on one when it changes, but keeps of each
 * only its name and resourceVersion: no value of any Secret of the cluster sits in its memory.
 */
@EnableKubernetesMockClient(crud = true)
class SecretChangesTest {
  static final String CANARY = "sfcanary-informer-5e1b";

  KubernetesClient client;
  final List<ResourceID> reconciled = new CopyOnWriteArrayList<>();
  SecretChanges source;

  @AfterEach
  void stop() {
    if (source != null) {
      source.stop();
    }
  }

  void start(Set<String> namespaces) {
    source =
        new SecretChanges(
            client,
            namespaces,
            s ->
                Set.of(
                    new ResourceID(
                        "task-of-" + s.getMetadata().getName(), s.getMetadata().getNamespace())));
    source.setEventHandler(e -> reconciled.add(e.getRelatedCustomResourceID()));
    source.start();
  }

  Secret create(String namespace, String name) {
    return client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .addToAnnotations("steadfast.dev/allowed-hosts", "api.example.com")
                .endMetadata()
                .addToData(
                    "api-key", java.util.Base64.getEncoder().encodeToString(CANARY.getBytes()))
                .addToStringData("other", CANARY)
                .build())
        .create();
  }

  @Test
  void theWatchHoldsNamesAndVersionsButNoValue() {
    create("team-a", "llm");
    start(Set.of("team-a"));

    await().atMost(Duration.ofSeconds(10)).until(() -> !source.cached().isEmpty());

    assertThat(source.cached())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getMetadata().getName()).isEqualTo("llm");
              assertThat(s.getMetadata().getNamespace()).isEqualTo("team-a");
              assertThat(s.getMetadata().getResourceVersion()).isNotBlank();
              assertThat(s.getData()).isNullOrEmpty();
              assertThat(s.getStringData()).isNullOrEmpty();
            });
    assertThat(Json.write(source.cached())).doesNotContain(CANARY).doesNotContain("api-key");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> reconciled.contains(new ResourceID("task-of-llm", "team-a")));
  }

  @Test
  void aChangeToAWatchedSecretReconcilesItsTasksAndOtherNamespacesAreNotWatched() {
    Secret secret = create("team-a", "llm");
    start(Set.of("team-a"));
    await().atMost(Duration.ofSeconds(10)).until(() -> !reconciled.isEmpty());
    reconciled.clear();

    client
        .secrets()
        .inNamespace("team-a")
        .withName("llm")
        .edit(
            s ->
                new SecretBuilder(s)
                    .editMetadata()
                    .addToAnnotations("touched", "1")
                    .endMetadata()
                    .build());
    create("team-b", "llm");

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> reconciled.contains(new ResourceID("task-of-llm", "team-a")));
    assertThat(reconciled).doesNotContain(new ResourceID("task-of-llm", "team-b"));
    assertThat(secret.getMetadata().getResourceVersion())
        .isNotEqualTo(source.cached().get(0).getMetadata().getResourceVersion());
  }
}
