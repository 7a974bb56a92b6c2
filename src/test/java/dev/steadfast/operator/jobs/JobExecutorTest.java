package dev.steadfast.operator.jobs;

import static dev.steadfast.operator.jobs.JobHarness.JOB;
import static dev.steadfast.operator.jobs.JobHarness.KEY;
import static dev.steadfast.operator.jobs.JobHarness.NS;
import static dev.steadfast.operator.jobs.JobHarness.assertFailure;
import static dev.steadfast.operator.jobs.JobHarness.failure;
import static dev.steadfast.operator.jobs.JobHarness.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.Tier;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import dev.steadfast.operator.secrets.SecretPolicy;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A job step end to end on the mock API server; the test plays kubelet and Job controller. */
@EnableKubernetesMockClient(crud = true)
class JobExecutorTest {
  static KubernetesClient client;

  JobHarness h;

  @BeforeEach
  void setUp() {
    h = new JobHarness(client);
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  @Test
  void completedJobYieldsItsTerminationMessageParsedAsJson() throws Exception {
    Future<Outcome> outcome = h.start();
    h.awaitJob(JOB);
    h.kubelet.pod(JOB, FakeKubelet.terminated("Succeeded", 0, "Completed", "{\"count\": 2}\n"));
    h.kubelet.finish(JOB, "Complete", null);

    assertThat(outcome.get(10, TimeUnit.SECONDS))
        .isEqualTo(new Outcome.Success(Json.MAPPER.readTree("{\"count\": 2}")));
    assertThat(h.jobs()).hasSize(1);
    assertThat(h.inputs(JOB)).as("inputs are removed once the Job is done").isNull();
  }

  @Test
  void jobSpecFollowsTheStep() {
    h.start();
    Job job = h.awaitJob(JOB);

    var spec = job.getSpec();
    assertThat(spec.getBackoffLimit()).isZero();
    assertThat(spec.getTtlSecondsAfterFinished()).isEqualTo(3600);
    assertThat(spec.getActiveDeadlineSeconds()).isEqualTo(600L);
    var pod = spec.getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getServiceAccountName()).isEqualTo("builder");
    var c = pod.getContainers().get(0);
    assertThat(c.getName()).isEqualTo("step");
    assertThat(c.getImage()).isEqualTo("ghcr.io/acme/build:1.4");
    assertThat(c.getCommand()).containsExactly("/bin/build");
    assertThat(c.getArgs()).containsExactly("--repo", "acme/app");
    assertThat(c.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
    assertThat(c.getResources().getRequests().get("memory").toString()).isEqualTo("1Gi");
    assertThat(c.getResources().getLimits().get("cpu").toString()).isEqualTo("2");
    assertThat(c.getVolumeMounts().get(0).getMountPath()).isEqualTo("/steadfast/inputs");
    assertThat(c.getVolumeMounts().get(0).getReadOnly()).isTrue();
    assertThat(pod.getVolumes().get(0).getConfigMap().getName()).isEqualTo(JOB + "-inputs");
    assertThat(job.getMetadata().getAnnotations())
        .containsEntry("steadfast.dev/idempotency-key", KEY);
  }

  @Test
  void secretEnvBecomesASecretKeyRefAndTheValueNeverAppears() {
    h.secret("gh", "token", "ghp_s3cr3t_value");
    h.start();
    Job job = h.awaitJob(JOB);

    var env = job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    assertThat(env.get(0).getName()).isEqualTo("MODE");
    assertThat(env.get(0).getValue()).isEqualTo("fast");
    assertThat(env.get(1).getName()).isEqualTo("TOKEN");
    assertThat(env.get(1).getValue()).isNull();
    assertThat(env.get(1).getValueFrom().getSecretKeyRef().getName()).isEqualTo("gh");
    assertThat(env.get(1).getValueFrom().getSecretKeyRef().getKey()).isEqualTo("token");
    assertThat(Json.write(job)).doesNotContain("ghp_s3cr3t_value");
  }

  @Test
  void jobAndInputsAreOwnedByTheTaskAndLabelled() {
    h.start();
    Job job = h.awaitJob(JOB);
    ConfigMap inputs = h.inputs(JOB);

    for (var meta : List.of(job.getMetadata(), inputs.getMetadata())) {
      assertThat(meta.getLabels())
          .containsEntry("app.kubernetes.io/managed-by", "steadfast")
          .containsEntry("steadfast.dev/task", "digest");
      assertThat(meta.getOwnerReferences())
          .singleElement()
          .satisfies(
              o -> {
                assertThat(o.getApiVersion()).isEqualTo("steadfast.dev/v1alpha1");
                assertThat(o.getKind()).isEqualTo("AgentTask");
                assertThat(o.getName()).isEqualTo("digest");
                assertThat(o.getUid()).isEqualTo("3f2a-uid");
                assertThat(o.getController()).isTrue();
                assertThat(o.getBlockOwnerDeletion()).isTrue();
              });
    }
    assertThat(inputs.getData())
        .containsEntry("repo", "\"acme/app\"")
        .containsEntry("items", "[1,2]")
        .containsEntry("inputs.json", "{\"items\":[1,2],\"repo\":\"acme/app\"}");
  }

  @Test
  void adoptsTheJobAnEarlierOperatorCreatedInsteadOfCreatingASecond() throws Exception {
    // What an operator that died mid-attempt left behind; its successor runs the same key.
    Job earlier =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(NS)
            .resource(JobManifests.job(JOB, NS, JobHarness.call(), JobNames.AttemptKey.parse(KEY)))
            .create();
    h.kubelet.pod(JOB, FakeKubelet.waiting("ContainerCreating", null));

    Future<Outcome> outcome = h.start();
    await().during(Duration.ofMillis(300)).until(() -> !outcome.isDone());
    h.kubelet.update(JOB, FakeKubelet.terminated("Succeeded", 0, "Completed", "done\n"));
    h.kubelet.finish(JOB, "Complete", null);

    assertThat(outcome.get(10, TimeUnit.SECONDS)).isEqualTo(new Outcome.Success(Json.tree("done")));
    assertThat(h.jobs())
        .singleElement()
        .satisfies(
            j -> assertThat(j.getMetadata().getUid()).isEqualTo(earlier.getMetadata().getUid()));
  }

  @Test
  void cleanupNeverDeletesAnInputsConfigMapThatIsNotThisAttempts() throws Exception {
    // An adopted Job whose inputs ConfigMap name is now held by someone else's ConfigMap.
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .resource(JobManifests.job(JOB, NS, JobHarness.call(), JobNames.AttemptKey.parse(KEY)))
        .create();
    client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName(JobManifests.inputsName(JOB))
                .withNamespace(NS)
                .endMetadata()
                .addToData("theirs", "keep")
                .build())
        .create();
    h.kubelet.pod(JOB, FakeKubelet.terminated("Succeeded", 0, "Completed", "done\n"));
    h.kubelet.finish(JOB, "Complete", null);

    assertThat(h.start().get(10, TimeUnit.SECONDS))
        .isEqualTo(new Outcome.Success(Json.tree("done")));
    assertThat(h.inputs(JOB)).isNotNull();
    assertThat(h.inputs(JOB).getData()).containsEntry("theirs", "keep");
  }

  @Test
  void aFinishedJobIsJudgedAtOnceOnAdoption() throws Exception {
    Job earlier = JobManifests.job(JOB, NS, JobHarness.call(), JobNames.AttemptKey.parse(KEY));
    client.batch().v1().jobs().inNamespace(NS).resource(earlier).create();
    h.kubelet.pod(JOB, FakeKubelet.terminated("Failed", 137, "OOMKilled", null));
    h.kubelet.finish(JOB, "Failed", "BackoffLimitExceeded");

    assertFailure(failure(h.start()), Tier.Recoverable, "OutOfMemory", 137);
    assertThat(h.jobs()).hasSize(1);
  }

  @Test
  void aJobOfTheSameNameFromAnotherTaskIsNotAdopted() throws Exception {
    // Task "digest-build" step "1"... spells the same name; its key differs.
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .resource(
            JobManifests.job(
                JOB, NS, JobHarness.call(), JobNames.AttemptKey.parse("other-uid/x/-/1")))
        .create();

    h.start();

    await().atMost(Duration.ofSeconds(10)).until(() -> h.jobs().size() == 2);
    Job ours =
        h.jobs().stream()
            .filter(j -> !j.getMetadata().getName().equals(JOB))
            .findFirst()
            .orElseThrow();
    assertThat(ours.getMetadata().getName()).matches("digest-build-1-[0-9a-f]{10}");
    assertThat(ours.getMetadata().getAnnotations())
        .containsEntry("steadfast.dev/idempotency-key", KEY);
  }

  @Test
  void oomKilledIsRecoverableOutOfMemory() throws Exception {
    Future<Outcome> outcome = h.start();
    h.awaitJob(JOB);
    h.kubelet.pod(JOB, FakeKubelet.terminated("Failed", 137, "OOMKilled", null));
    h.kubelet.finish(JOB, "Failed", "BackoffLimitExceeded");

    assertFailure(failure(outcome), Tier.Recoverable, "OutOfMemory", 137);
  }

  @Test
  void anImageThatCannotBePulledFailsAtOnceAndTheJobIsDeleted() throws Exception {
    Future<Outcome> outcome = h.start();
    h.awaitJob(JOB);
    h.kubelet.pod(
        JOB,
        FakeKubelet.waiting(
            "ImagePullBackOff", "Back-off pulling image \"ghcr.io/acme/build:1.4\""));

    Failure f = failure(outcome);
    assertFailure(f, Tier.Fatal, "ImagePullFailed", null);
    assertThat(f.message()).contains("ImagePullBackOff");
    assertThat(h.job(JOB)).isNull();
  }

  @ParameterizedTest
  @CsvSource({"3, Transient", "4, Fatal", "1, Recoverable"})
  void exitCodesAreClassifiedByTheStepsLists(int code, Tier tier) throws Exception {
    Future<Outcome> outcome = h.start();
    h.awaitJob(JOB);
    h.kubelet.pod(JOB, FakeKubelet.terminated("Failed", code, "Error", "upstream said no"));
    h.kubelet.finish(JOB, "Failed", "BackoffLimitExceeded");

    Failure f = failure(outcome);
    assertFailure(f, tier, "ExitCode", code);
    assertThat(f.message()).contains("code " + code).contains("upstream said no");
  }

  @Test
  void anEvictedPodIsTransient() throws Exception {
    Future<Outcome> outcome = h.start();
    h.awaitJob(JOB);
    h.kubelet.pod(JOB, FakeKubelet.evicted());
    h.kubelet.finish(JOB, "Failed", "BackoffLimitExceeded");

    assertFailure(failure(outcome), Tier.Transient, "Evicted", null);
  }

  @Test
  void theJobsActiveDeadlineIsATransientTimeout() throws Exception {
    Future<Outcome> outcome = h.start();
    h.awaitJob(JOB);
    h.kubelet.finish(JOB, "Failed", "DeadlineExceeded");

    assertFailure(failure(outcome), Tier.Transient, "Timeout", null);
  }

  @Test
  void theAttemptTimeoutDeletesTheJob() throws Exception {
    Future<Outcome> outcome = h.start(request(KEY, Duration.ofMillis(800)));
    h.awaitJob(JOB);
    h.kubelet.pod(JOB, FakeKubelet.waiting("ContainerCreating", null));

    assertFailure(failure(outcome), Tier.Transient, "Timeout", null);
    assertThat(h.job(JOB)).isNull();
    assertThat(h.inputs(JOB)).isNull();
  }

  @Test
  void anInterruptedAttemptDeletesItsJobAndKeepsTheInterrupt() throws Exception {
    AtomicReference<Outcome> outcome = new AtomicReference<>();
    AtomicBoolean interrupted = new AtomicBoolean();
    Thread worker =
        new Thread(
            () -> {
              outcome.set(h.executor.execute(request(KEY, Duration.ofSeconds(30))));
              interrupted.set(Thread.currentThread().isInterrupted());
            });
    worker.start();
    h.awaitJob(JOB);
    worker.interrupt();
    worker.join(10_000);

    assertThat(outcome.get()).isInstanceOf(Outcome.Failed.class);
    Failure f = ((Outcome.Failed) outcome.get()).failure();
    assertFailure(f, Tier.Transient, "NetworkError", null);
    assertThat(f.message()).isEqualTo("cancelled");
    assertThat(interrupted).isTrue();
    assertThat(h.job(JOB)).isNull();
  }

  @Test
  void failureMessagesMaskSecretValuesAndStayUnderOneKiB() throws Exception {
    h.secret("gh", "token", "ghp_s3cr3t_value");
    Future<Outcome> outcome = h.start();
    h.awaitJob(JOB);
    String logTail = "auth failed for ghp_s3cr3t_value\n" + "x".repeat(4000);
    h.kubelet.pod(JOB, FakeKubelet.terminated("Failed", 1, "Error", logTail));
    h.kubelet.finish(JOB, "Failed", "BackoffLimitExceeded");

    Failure f = failure(outcome);
    assertThat(f.message()).doesNotContain("ghp_s3cr3t_value").contains("[REDACTED]");
    assertThat(f.message().getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .hasSizeLessThanOrEqualTo(1024);
  }

  // docs/security.md: job pods run under the restricted profile, with no service account token.
  @Test
  void jobPodsAreRestrictedAndGetNoServiceAccountToken() {
    h.start();
    var pod = h.awaitJob(JOB).getSpec().getTemplate().getSpec();

    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getContainers())
        .isNotEmpty()
        .allSatisfy(
            c -> {
              var sc = c.getSecurityContext();
              assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
              assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
              assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
              assertThat(sc.getPrivileged()).isNotEqualTo(Boolean.TRUE);
              assertThat(sc.getRunAsNonRoot()).isTrue();
              assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            });
  }

  @Test
  void aServiceAccountNotInTheListIsRefusedBeforeAnyJobIsCreated() {
    JobExecutor strict =
        new JobExecutor(
            client, java.time.Clock.systemUTC(), SecretPolicy.ANNOTATED, List.of("ci-runner"));

    Outcome outcome = strict.execute(request(KEY, Duration.ofSeconds(30)));

    assertThat(outcome).isInstanceOf(Outcome.Failed.class);
    Failure f = ((Outcome.Failed) outcome).failure();
    assertFailure(f, Tier.Fatal, "ServiceAccountNotAllowed", null);
    assertThat(f.message()).contains("\"builder\"").contains("--job-service-accounts");
    assertThat(h.jobs()).isEmpty();
    assertThat(h.inputs(JOB)).isNull();
  }

  @Test
  void withNoServiceAccountNamedThePodRunsAsTheNamespaceDefault() throws Exception {
    JobExecutor strict =
        new JobExecutor(client, java.time.Clock.systemUTC(), SecretPolicy.ANNOTATED, List.of());
    var step = JobHarness.step();
    step.serviceAccountName = null;
    var request =
        new dev.steadfast.engine.exec.AttemptRequest(
            NS,
            KEY,
            Duration.ofSeconds(30),
            List.of(),
            new dev.steadfast.engine.exec.Call.JobCall(step, "digest", null));
    var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      pool.submit(() -> strict.execute(request));
      var pod = h.awaitJob(JOB).getSpec().getTemplate().getSpec();
      assertThat(pod.getServiceAccountName()).isNull();
      assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSecretWithoutAllowedInJobsIsRefusedBeforeAnyJobIsCreated() {
    client
        .secrets()
        .inNamespace(NS)
        .withName("gh")
        .edit(
            s ->
                new io.fabric8.kubernetes.api.model.SecretBuilder(s)
                    .editMetadata()
                    .withAnnotations(java.util.Map.of())
                    .endMetadata()
                    .build());

    Outcome outcome = h.executor.execute(request(KEY, Duration.ofSeconds(30)));

    assertThat(outcome).isInstanceOf(Outcome.Failed.class);
    Failure f = ((Outcome.Failed) outcome).failure();
    assertFailure(f, Tier.Fatal, "SecretNotAllowed", null);
    assertThat(f.message())
        .contains("\"gh\"")
        .contains("steadfast.dev/allowed-in-jobs")
        .doesNotContain("ghp_default_value");
    assertThat(h.jobs()).isEmpty();
  }

  @Test
  void underTheOpenSecretPolicyAJobTakesAnUnannotatedSecret() {
    client
        .secrets()
        .inNamespace(NS)
        .withName("gh")
        .edit(
            s ->
                new io.fabric8.kubernetes.api.model.SecretBuilder(s)
                    .editMetadata()
                    .withAnnotations(java.util.Map.of())
                    .endMetadata()
                    .build());
    JobExecutor open =
        new JobExecutor(client, java.time.Clock.systemUTC(), SecretPolicy.OPEN, List.of("builder"));
    var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      pool.submit(() -> open.execute(request(KEY, Duration.ofSeconds(30))));
      assertThat(h.awaitJob(JOB)).isNotNull();
    } finally {
      pool.shutdownNow();
    }
  }

  /** A job's output is its termination message: a Secret of its env printed there is masked. */
  @Test
  void aSecretInTheTerminationMessageIsMaskedInTheOutput() throws Exception {
    h.secret("gh", "token", "ghp_s3cr3t_value");
    AttemptRequest request = request(KEY, Duration.ofSeconds(30));
    Future<Outcome> outcome = h.start(request);
    h.awaitJob(JOB);
    String encoded =
        java.util.Base64.getEncoder()
            .encodeToString("ghp_s3cr3t_value".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    h.kubelet.pod(
        JOB,
        FakeKubelet.terminated(
            "Succeeded",
            0,
            "Completed",
            "{\"token\": \"ghp_s3cr3t_value\", \"b64\": \"" + encoded + "\"}\n"));
    h.kubelet.finish(JOB, "Complete", null);

    assertThat(outcome.get(10, TimeUnit.SECONDS))
        .isEqualTo(
            new Outcome.Success(
                Json.MAPPER.readTree("{\"token\": \"[REDACTED]\", \"b64\": \"[REDACTED]\"}")));
    // Registered with the task's redactor: the engine masks the value wherever the task goes.
    assertThat(request.redactor().values()).contains("ghp_s3cr3t_value");
  }
}
