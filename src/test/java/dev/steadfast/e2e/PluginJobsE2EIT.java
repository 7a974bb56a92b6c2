package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.TaskPhase;
import dev.steadfast.operator.OperatorHarness;
import dev.steadfast.operator.SteadfastOperator;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * `tree` and `logs` against the real API server and a running operator. There is no kubelet and no
 * Job controller here: the test does what they would (a Pod owned by each Job, labelled with its
 * name; the Job's status when the Pod ends), so the operator sees a job step fail once and succeed
 * on its second attempt, and the plugin sees the objects a cluster would hold.
 */
@RealApiServer
class PluginJobsE2EIT {
  static final String NS = "e2e-plugin-jobs";

  @Test
  void treeListsTheOutputConfigMapJobsAndPodsAndLogsSaysWhyThereAreNone(KubeApiServer server)
      throws Exception {
    KubernetesClient client = server.client();
    server.namespace(NS);
    server.installCrd();
    try (LlmSimulator sim = LlmSimulator.builder().port(0).build().start()) {
      SteadfastOperator operator =
          OperatorHarness.start(
              client, c -> c.namespaces(NS).operatorNamespace(NS).identity("plugin-jobs"));
      try {
        // fetch: 400 items of JSON, over the status's inline limit, so its output goes to a
        // ConfigMap the task owns. compile: a job step whose first attempt is evicted.
        BoundsE2EIT.create(
            client,
            NS,
            "build",
            "  steps:\n"
                + "    - name: fetch\n"
                + "      http: {url: '"
                + sim.baseUrl()
                + "/items?count=400'}\n"
                + "    - name: compile\n"
                + "      timeout: 10m\n"
                + "      retry: {maxAttempts: 3, backoff: {initialDelay: 1s, jitter: None}}\n"
                + "      job: {image: 'busybox:1.36', command: [sh, -c, 'echo compiled']}\n");
        Job first = awaitJobs(client, 1).get(0);
        runPod(client, first, "Failed", true);
        finish(client, first, "FailureTarget", "Failed");
        Job second = awaitJobs(client, 2).get(1);
        runPod(client, second, "Succeeded", false);
        finish(client, second, "SuccessCriteriaMet", "Complete");
        try {
          await()
              .atMost(Duration.ofMinutes(1))
              .until(() -> BoundsE2EIT.phase(client, NS, "build") == TaskPhase.Succeeded);
        } finally {
          System.out.println(PluginE2EIT.cli(server, "describe", "build", "-n", NS).out());
        }

        PluginE2EIT.Cli tree = PluginE2EIT.cli(server, "tree", "build", "-n", NS);
        System.out.println("PluginJobsE2EIT tree:\n$ kubectl steadfast tree build\n" + tree.out());
        assertThat(tree.exit()).as(tree.err()).isZero();
        String j1 = first.getMetadata().getName();
        String j2 = second.getMetadata().getName();
        assertThat(tree.out())
            .isEqualTo(
                "AgentTask/build\n"
                    + "|-- ConfigMap/build-fetch-output\n"
                    + "|-- Job/"
                    + j1
                    + "\n"
                    + "|   `-- Pod/"
                    + j1
                    + "-x7k2p  Failed\n"
                    + "`-- Job/"
                    + j2
                    + "\n"
                    + "    `-- Pod/"
                    + j2
                    + "-x7k2p  Succeeded\n");

        // kubectl's own completion of the plugin: `kubectl steadfast des<TAB>`, then the task.
        assertThat(kubectlComplete(server, "des")).isEqualTo("describe\n:4\n");
        assertThat(kubectlComplete(server, "tree", "-n", NS, "b")).isEqualTo("build\n:4\n");

        // No kubelet: nowhere to fetch logs from. One line per pod says so, exit 1, no stack trace.
        PluginE2EIT.Cli logs = PluginE2EIT.cli(server, "logs", "build", "-n", NS);
        System.out.println("PluginJobsE2EIT logs:\n" + logs.out() + logs.err());
        assertThat(logs.exit()).isEqualTo(1);
        assertThat(logs.out())
            .isEqualTo(
                "==> Job/"
                    + j1
                    + " Pod/"
                    + j1
                    + "-x7k2p <==\n"
                    + "==> Job/"
                    + j2
                    + " Pod/"
                    + j2
                    + "-x7k2p <==\n");
        // The API server answers an empty 200 for a pod on no node; the plugin says why.
        assertThat(logs.err())
            .isEqualTo(
                "error: no logs for Pod/"
                    + j1
                    + "-x7k2p: it was never scheduled to a node\n"
                    + "error: no logs for Pod/"
                    + j2
                    + "-x7k2p: it was never scheduled to a node\n");

        PluginE2EIT.Cli noJob =
            PluginE2EIT.cli(server, "logs", "build", "--step", "fetch", "-n", NS);
        assertThat(noJob.exit()).isEqualTo(1);
        assertThat(noJob.err())
            .isEqualTo("no Jobs of agenttask/build step fetch (only job steps run Pods)\n");
      } finally {
        operator.close();
      }
    }
  }

  /**
   * What kubectl answers the shell for `kubectl steadfast WORDS<TAB>` (its hidden __complete
   * command), with bin/ on the PATH (kubectl finds bin/kubectl_complete-steadfast there, which runs
   * the packaged jar) and the test API server's kubeconfig in KUBECONFIG. Cobra's own messages go
   * to stderr.
   */
  static String kubectlComplete(KubeApiServer server, String... words) throws Exception {
    List<String> command = new java.util.ArrayList<>();
    command.add(ApiServerBinaries.locate().kubectl().toString());
    command.add("__complete");
    command.add("steadfast");
    command.addAll(List.of(words));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("PATH", Path.of("bin").toAbsolutePath() + ":" + System.getenv("PATH"));
    pb.environment().put("KUBECONFIG", server.kubeconfig().toString());
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    return out;
  }

  /** The task's Jobs, oldest first, once there are {@code n}. */
  static List<Job> awaitJobs(KubernetesClient client, int n) {
    return await()
        .atMost(Duration.ofMinutes(1))
        .until(
            () ->
                client
                    .batch()
                    .v1()
                    .jobs()
                    .inNamespace(NS)
                    .withLabel("steadfast.dev/task", "build")
                    .list()
                    .getItems()
                    .stream()
                    .sorted(
                        Comparator.comparing((Job j) -> j.getMetadata().getCreationTimestamp())
                            .thenComparing(j -> j.getMetadata().getName()))
                    .toList(),
            jobs -> jobs.size() == n);
  }

  /** What the Job controller and the kubelet would make: the Job's Pod, ended in {@code phase}. */
  static void runPod(KubernetesClient client, Job job, String phase, boolean evicted) {
    String name = job.getMetadata().getName();
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name + "-x7k2p")
            .withNamespace(NS)
            .addToLabels("job-name", name)
            .addToLabels("batch.kubernetes.io/job-name", name)
            .addToLabels("batch.kubernetes.io/controller-uid", job.getMetadata().getUid())
            .addNewOwnerReference()
            .withApiVersion("batch/v1")
            .withKind("Job")
            .withName(name)
            .withUid(job.getMetadata().getUid())
            .withController(true)
            .withBlockOwnerDeletion(true)
            .endOwnerReference()
            .endMetadata()
            .withSpec(job.getSpec().getTemplate().getSpec())
            .build();
    client.pods().inNamespace(NS).resource(pod).create();
    Pod created = client.pods().inNamespace(NS).withName(name + "-x7k2p").get();
    int exit = "Succeeded".equals(phase) ? 0 : 137;
    created.setStatus(
        new PodStatusBuilder()
            .withPhase(phase)
            .withReason(evicted ? "Evicted" : null)
            .withMessage(evicted ? "The node was low on resource: memory." : null)
            .addNewContainerStatus()
            .withName(job.getSpec().getTemplate().getSpec().getContainers().get(0).getName())
            .withImage("busybox:1.36")
            .withState(
                new ContainerStateBuilder()
                    .withNewTerminated()
                    .withExitCode(exit)
                    .withReason(exit == 0 ? "Completed" : "Error")
                    .endTerminated()
                    .build())
            .endContainerStatus()
            .build());
    client.pods().inNamespace(NS).resource(created).updateStatus();
  }

  /**
   * The Job's terminal status as the Job controller writes it (the API server checks its shape).
   */
  static void finish(KubernetesClient client, Job job, String interim, String terminal) {
    Job current =
        client.batch().v1().jobs().inNamespace(NS).withName(job.getMetadata().getName()).get();
    String now = Instant.now().toString();
    boolean complete = "Complete".equals(terminal);
    current.setStatus(
        new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
            .withStartTime(current.getMetadata().getCreationTimestamp())
            .withCompletionTime(complete ? now : null)
            .withSucceeded(complete ? 1 : 0)
            .withFailed(complete ? 0 : 1)
            .withConditions(condition(interim, now), condition(terminal, now))
            .build());
    client.batch().v1().jobs().inNamespace(NS).resource(current).updateStatus();
  }

  private static JobCondition condition(String type, String now) {
    return new JobConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(
            "Complete".equals(type) || "SuccessCriteriaMet".equals(type)
                ? "CompletionsReached"
                : "PodFailurePolicy")
        .withMessage(type)
        .withLastTransitionTime(now)
        .withLastProbeTime(now)
        .build();
  }
}
