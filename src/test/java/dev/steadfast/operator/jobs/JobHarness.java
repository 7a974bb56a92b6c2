package dev.steadfast.operator.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.ExitCodes;
import dev.steadfast.api.JobEnvVar;
import dev.steadfast.api.JobResources;
import dev.steadfast.api.JobStep;
import dev.steadfast.api.SecretKeyRef;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import dev.steadfast.operator.secrets.SecretPolicy;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A job step of task "digest" in namespace team-a, an executor that runs it on its own thread (it
 * blocks), the mock API server with a fake kubelet, and assertions on outcomes.
 */
final class JobHarness implements AutoCloseable {
  static final String NS = "team-a";
  static final String KEY = "3f2a-uid/build/-/1";
  static final String JOB = "digest-build-1";

  final KubernetesClient client;
  final FakeKubelet kubelet;
  final JobExecutor executor;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  JobHarness(KubernetesClient client) {
    this.client = client;
    client.batch().v1().jobs().inNamespace(NS).delete();
    client.pods().inNamespace(NS).delete();
    client.configMaps().inNamespace(NS).delete();
    client.secrets().inNamespace(NS).delete();
    this.kubelet = new FakeKubelet(client, NS);
    // step() names the service account "builder" and puts the Secret "gh" into its env: both
    // allowed here, as a namespace admin would (docs/security.md), so the tests below see a Job
    // created.
    this.executor =
        new JobExecutor(client, Clock.systemUTC(), SecretPolicy.ANNOTATED, List.of("builder"));
    secret("gh", "token", "ghp_default_value");
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }

  Future<Outcome> start(AttemptRequest request) {
    return threads.submit(() -> executor.execute(request));
  }

  Future<Outcome> start() {
    return start(request(KEY, Duration.ofSeconds(30)));
  }

  Job awaitJob(String name) {
    await().atMost(Duration.ofSeconds(10)).until(() -> job(name) != null);
    return job(name);
  }

  Job job(String name) {
    return client.batch().v1().jobs().inNamespace(NS).withName(name).get();
  }

  List<Job> jobs() {
    return client.batch().v1().jobs().inNamespace(NS).list().getItems();
  }

  ConfigMap inputs(String job) {
    return client.configMaps().inNamespace(NS).withName(job + "-inputs").get();
  }

  void secret(String name, String key, String value) {
    client
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .addToAnnotations("steadfast.dev/allowed-in-jobs", "true")
                .endMetadata()
                .addToStringData(key, value)
                .build())
        .createOr(NonDeletingOperation::update);
  }

  static JobStep step() {
    JobStep step = new JobStep();
    step.image = "ghcr.io/acme/build:1.4";
    step.command = List.of("/bin/build");
    step.args = List.of("--repo", "acme/app");
    JobEnvVar mode = new JobEnvVar();
    mode.name = "MODE";
    mode.value = "fast";
    JobEnvVar token = new JobEnvVar();
    token.name = "TOKEN";
    token.valueFrom = new JobEnvVar.ValueFrom();
    token.valueFrom.secretKeyRef = new SecretKeyRef("gh", "token");
    step.env = List.of(mode, token);
    step.resources = new JobResources();
    step.resources.requests =
        Map.of("cpu", new IntOrString("500m"), "memory", new IntOrString("1Gi"));
    step.resources.limits = Map.of("memory", new IntOrString("2Gi"), "cpu", new IntOrString(2));
    step.serviceAccountName = "builder";
    step.activeDeadlineSeconds = 600L;
    step.exitCodes = new ExitCodes();
    step.exitCodes.transientCodes = List.of(3);
    step.exitCodes.fatal = List.of(4);
    return step;
  }

  static Call.JobCall call() {
    JsonNode inputs = Json.tree(Map.of("repo", "acme/app", "items", List.of(1, 2)));
    return new Call.JobCall(step(), "digest", inputs);
  }

  static AttemptRequest request(String key, Duration timeout) {
    return new AttemptRequest(NS, key, timeout, List.of(), call());
  }

  static Failure failure(Future<Outcome> future) throws Exception {
    Outcome outcome = future.get(10, TimeUnit.SECONDS);
    assertThat(outcome).isInstanceOf(Outcome.Failed.class);
    return ((Outcome.Failed) outcome).failure();
  }

  static void assertFailure(Failure f, Tier tier, String reason, Integer code) {
    assertThat(f.tier()).as(f.toString()).isEqualTo(tier);
    assertThat(f.reason()).as(f.toString()).isEqualTo(reason);
    assertThat(f.code()).as(f.toString()).isEqualTo(code);
  }
}
