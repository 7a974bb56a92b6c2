package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.SecretKeyRef;
import dev.steadfast.executors.PlainHttpHosts;
import dev.steadfast.executors.Secrets;
import dev.steadfast.operator.secrets.KubernetesSecrets;
import dev.steadfast.operator.secrets.SecretCache;
import dev.steadfast.operator.secrets.SecretPolicy;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Steps read a Secret once per version of it, not once per attempt, and still see it created,
 * changed and deleted: the GETs are counted in the mock API server's request log.
 */
@EnableKubernetesMockClient(crud = true)
class SecretCacheTest {
  static final String NS = "team-a";
  static final String SECRET_PATH = "/api/v1/namespaces/team-a/secrets/llm";
  static final URI API = URI.create("https://api.example.com/v1/chat");
  static final SecretKeyRef REF = new SecretKeyRef("llm", "api-key");

  KubernetesClient client;
  KubernetesMockServer server;
  SecretCache cache;
  SecretChanges changes;
  Secrets secrets;

  @BeforeEach
  void start() {
    cache = new SecretCache(client);
    changes = new SecretChanges(client, Set.of(NS), s -> Set.of(), cache);
    changes.setEventHandler(e -> {});
    changes.start();
    secrets = new KubernetesSecrets(cache, SecretPolicy.ANNOTATED, PlainHttpHosts.NONE);
    await().atMost(Duration.ofSeconds(10)).until(() -> changes.version(NS, "llm") != null);
  }

  @AfterEach
  void stop() {
    changes.stop();
  }

  void put(String value) {
    client
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("llm")
                .withNamespace(NS)
                .addToAnnotations("steadfast.dev/allowed-hosts", "api.example.com")
                .endMetadata()
                .addToData("api-key", Base64.getEncoder().encodeToString(value.getBytes()))
                .build())
        .createOr(r -> r.update());
  }

  /** GETs of the Secret since the last call (the informer's list and watch are not counted). */
  int secretGets() throws InterruptedException {
    int gets = 0;
    RecordedRequest r;
    while ((r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      if ("GET".equals(r.getMethod()) && SECRET_PATH.equals(r.getPath())) {
        gets++;
      }
    }
    return gets;
  }

  String value() throws Exception {
    return secrets.forRequest(NS, REF, API);
  }

  @Test
  void manyAttemptsOnTheSameSecretReadItOnce() throws Exception {
    put("key-1");
    await().atMost(Duration.ofSeconds(10)).until(() -> !"".equals(changes.version(NS, "llm")));
    secretGets();

    for (int attempt = 0; attempt < 50; attempt++) {
      assertThat(value()).isEqualTo("key-1");
    }
    secrets.get(NS, REF);

    assertThat(secretGets()).isEqualTo(1);
    assertThat(cache.size()).isEqualTo(1);
  }

  @Test
  void attemptsStartingTogetherOnASecretNotHeldYetShareOneGet() throws Exception {
    put("key-1");
    await().atMost(Duration.ofSeconds(10)).until(() -> !"".equals(changes.version(NS, "llm")));
    secretGets();
    int threads = 20;
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      var results = new java.util.ArrayList<java.util.concurrent.Future<String>>();
      for (int i = 0; i < threads; i++) {
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return value();
                }));
      }
      go.countDown();
      for (var r : results) {
        assertThat(r.get(30, TimeUnit.SECONDS)).isEqualTo("key-1");
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(secretGets()).isEqualTo(1);
  }

  @Test
  void aSecretCreatedAfterTheFirstAttemptIsFoundAndAChangeOrDeletionIsSeen() throws Exception {
    assertThatThrownBy(this::value).isInstanceOf(Secrets.SecretNotFoundException.class);

    put("key-1");
    assertThat(value()).isEqualTo("key-1"); // at once: a GET when the informer knows nothing

    put("key-2");
    await().atMost(Duration.ofSeconds(10)).until(() -> value().equals("key-2"));

    client.secrets().inNamespace(NS).withName("llm").delete();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThatThrownBy(this::value)
                    .isInstanceOf(Secrets.SecretNotFoundException.class));
    assertThat(cache.size()).isZero();
  }

  @Test
  void aChangedAnnotationIsEnforcedOnceTheInformerSeesIt() throws Exception {
    put("key-1");
    assertThat(value()).isEqualTo("key-1");
    client
        .secrets()
        .inNamespace(NS)
        .withName("llm")
        .edit(
            s ->
                new SecretBuilder(s)
                    .editMetadata()
                    .addToAnnotations("steadfast.dev/allowed-hosts", "other.example.com")
                    .endMetadata()
                    .build());
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThatThrownBy(this::value)
                    .isInstanceOf(Secrets.SecretNotAllowedException.class));
  }

  @Test
  void withoutAnInformerEveryReadIsAGetAndNothingIsHeld() throws Exception {
    put("key-1");
    Secrets uncached = new KubernetesSecrets(client, SecretPolicy.ANNOTATED, PlainHttpHosts.NONE);
    secretGets();
    for (int attempt = 0; attempt < 3; attempt++) {
      assertThat(uncached.forRequest(NS, REF, API)).isEqualTo("key-1");
    }
    assertThat(secretGets()).isEqualTo(3);
  }

  @Test
  void whatIsHeldIsBoundedByBytesLeastRecentlyUsedFirst() throws Exception {
    SecretCache small = new SecretCache(client, 4096);
    changes.stop();
    changes = new SecretChanges(client, Set.of(NS), s -> Set.of(), small);
    changes.setEventHandler(e -> {});
    changes.start();
    String kib = "x".repeat(1000);
    for (int i = 0; i < 10; i++) {
      client
          .secrets()
          .inNamespace(NS)
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("s" + i)
                  .withNamespace(NS)
                  .endMetadata()
                  .addToData("k", kib)
                  .build())
          .create();
    }
    client
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("big")
                .withNamespace(NS)
                .endMetadata()
                .addToData("k", "y".repeat(2000))
                .build())
        .create();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                java.util.stream.IntStream.range(0, 10)
                        .allMatch(i -> !"".equals(changes.version(NS, "s" + i)))
                    && !"".equals(changes.version(NS, "big")));

    for (int i = 0; i < 10; i++) {
      assertThat(small.get(NS, "s" + i).getData()).containsEntry("k", kib);
    }
    assertThat(small.heldBytes()).isLessThanOrEqualTo(4096);
    assertThat(small.size()).isBetween(1, 4);
    // The most recent is held, the eldest was let go and is read again.
    secretGets();
    small.get(NS, "s9");
    small.get(NS, "s0");
    java.util.Map<String, Integer> byPath = new java.util.HashMap<>();
    RecordedRequest r;
    while ((r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      if ("GET".equals(r.getMethod())) {
        byPath.merge(r.getPath(), 1, Integer::sum);
      }
    }
    assertThat(byPath)
        .doesNotContainKey("/api/v1/namespaces/team-a/secrets/s9")
        .containsEntry("/api/v1/namespaces/team-a/secrets/s0", 1);
    // One over a quarter of the budget is served but never held.
    int before = small.size();
    assertThat(small.get(NS, "big").getData()).containsKey("k");
    assertThat(small.size()).isLessThanOrEqualTo(before);
    assertThat(small.heldBytes()).isLessThanOrEqualTo(4096);
  }
}
