package dev.steadfast.operator.jobs;

import static dev.steadfast.operator.jobs.JobHarness.NS;
import static dev.steadfast.operator.jobs.JobHarness.assertFailure;
import static dev.steadfast.operator.jobs.JobHarness.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import dev.steadfast.operator.secrets.SecretCache;
import dev.steadfast.operator.secrets.SecretPolicy;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Job steps read the Secrets of their env through the operator's Secret cache, as the HTTP and LLM
 * executors do: once per version of the Secret, not twice per attempt (admission and masking). The
 * Secret GETs are counted in the mock API server's request log; an informer on the Secrets stands
 * for the operator's own one (SecretChanges), which keeps the cache's versions current.
 */
@EnableKubernetesMockClient(crud = true)
class JobSecretsTest {
  static final String SECRET_PATH = "/api/v1/namespaces/team-a/secrets/gh";

  KubernetesClient client;
  KubernetesMockServer server;
  JobHarness h;
  SharedIndexInformer<Secret> informer;
  JobExecutor executor;
  final ExecutorService threads = Executors.newCachedThreadPool();

  @BeforeEach
  void setUp() {
    h = new JobHarness(client);
    informer = client.secrets().inNamespace(NS).inform();
    SecretCache cache = new SecretCache(client);
    cache.versionsFrom(
        (ns, name) -> {
          Secret s = informer.getStore().getByKey(Cache.namespaceKeyFunc(ns, name));
          return s == null ? "" : s.getMetadata().getResourceVersion();
        });
    executor =
        new JobExecutor(
            client, Clock.systemUTC(), cache, SecretPolicy.ANNOTATED, List.of("builder"));
    await().atMost(Duration.ofSeconds(10)).until(() -> informer.hasSynced());
  }

  @AfterEach
  void tearDown() {
    informer.close();
    threads.shutdownNow();
    h.close();
  }

  /** Runs one attempt whose container prints the Secret's value, to the end. */
  Outcome attempt(int n, String printed) throws Exception {
    AttemptRequest request = request("3f2a-uid/build/-/" + n, Duration.ofSeconds(30));
    Future<Outcome> outcome = threads.submit(() -> executor.execute(request));
    String job = "digest-build-" + n;
    h.awaitJob(job);
    h.kubelet.pod(
        job,
        FakeKubelet.terminated("Succeeded", 0, "Completed", "{\"token\": \"" + printed + "\"}\n"));
    h.kubelet.finish(job, "Complete", null);
    return outcome.get(10, TimeUnit.SECONDS);
  }

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

  @Test
  void attemptsReadTheirSecretOncePerVersionAndStillMaskIt() throws Exception {
    h.secret("gh", "token", "ghp_cached_value");
    await().atMost(Duration.ofSeconds(10)).until(() -> versionOfGhIsCurrent());
    secretGets(); // the set-up's requests

    Outcome first = attempt(1, "ghp_cached_value");
    Outcome second = attempt(2, "ghp_cached_value");

    Outcome masked = new Outcome.Success(Json.MAPPER.readTree("{\"token\": \"[REDACTED]\"}"));
    assertThat(first).isEqualTo(masked);
    assertThat(second).isEqualTo(masked);
    // Without the cache: one GET for the admission and one for the masking, per attempt (4).
    assertThat(secretGets()).as("Secret GETs for two attempts").isEqualTo(1);
  }

  @Test
  void aChangedSecretIsReadAgain() throws Exception {
    assertThat(attempt(1, "ghp_default_value"))
        .isEqualTo(new Outcome.Success(Json.MAPPER.readTree("{\"token\": \"[REDACTED]\"}")));
    client
        .secrets()
        .inNamespace(NS)
        .withName("gh")
        .edit(
            s ->
                new SecretBuilder(s)
                    .editMetadata()
                    .withAnnotations(Map.of())
                    .endMetadata()
                    .build());
    await().atMost(Duration.ofSeconds(10)).until(() -> versionOfGhIsCurrent());

    Outcome refused = executor.execute(request("3f2a-uid/build/-/2", Duration.ofSeconds(30)));

    assertThat(refused).isInstanceOf(Outcome.Failed.class);
    assertFailure(((Outcome.Failed) refused).failure(), Tier.Fatal, "SecretNotAllowed", null);
    assertThat(h.job("digest-build-2")).isNull();
  }

  private boolean versionOfGhIsCurrent() {
    Secret cached = informer.getStore().getByKey(Cache.namespaceKeyFunc(NS, "gh"));
    Secret actual = client.secrets().inNamespace(NS).withName("gh").get();
    return cached != null
        && actual != null
        && cached
            .getMetadata()
            .getResourceVersion()
            .equals(actual.getMetadata().getResourceVersion());
  }
}
