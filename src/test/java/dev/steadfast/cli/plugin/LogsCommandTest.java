package dev.steadfast.cli.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTask;
import dev.steadfast.cli.Main;
import dev.steadfast.operator.jobs.JobLabels;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `steadfast logs` where the API server can serve logs (fabric8's mock server answering the log
 * endpoint, which the real API server cannot without a kubelet): each attempt's Pod in order under
 * its header, the step container chosen over a sidecar, --step, and a refused log on one line.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class LogsCommandTest {
  static final String NS = "team-a";
  static KubernetesClient client;
  static KubernetesMockServer server;
  static AgentTask task;

  @TempDir static Path dir;
  static Path kubeconfig;

  @BeforeAll
  static void cluster() throws Exception {
    task = new AgentTask();
    task.setMetadata(new ObjectMetaBuilder().withName("build").withNamespace(NS).build());
    task = client.resource(task).create();
    Job first = job("build-compile-1", "compile");
    Job second = job("build-compile-2", "compile");
    Job other = job("build-lint-1", "lint");
    pod(first, "build-compile-1-aaaaa", "node-1");
    pod(second, "build-compile-2-bbbbb", "node-1");
    pod(other, "build-lint-1-ccccc", "node-2");
    log("build-compile-1-aaaaa", "step", "compiling\nerror: out of memory\n");
    log("build-compile-1-aaaaa", "istio-proxy", "the sidecar's log\n");
    log("build-compile-2-bbbbb", "step", "compiling\ndone");
    log("build-compile-2-bbbbb", "istio-proxy", "the sidecar's log\n");
    server
        .expect()
        .get()
        .withPath(
            "/api/v1/namespaces/" + NS + "/pods/build-lint-1-ccccc/log?pretty=false&container=step")
        .andReturn(
            502,
            new StatusBuilder()
                .withStatus("Failure")
                .withCode(502)
                .withMessage(
                    "Get \"https://node-2:10250/containerLogs/team-a/build-lint-1-ccccc/step\": dial tcp: lookup node-2: no such host")
                .build())
        .always();
    String url = client.getConfiguration().getMasterUrl();
    kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(
        kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters: [{name: mock, cluster: {server: '"
            + url
            + "'}}]\nusers: [{name: me, user: {}}]\ncontexts: [{name: mock, context: {cluster: mock,"
            + " user: me, namespace: "
            + NS
            + "}}]\ncurrent-context: mock\n");
  }

  static Job job(String name, String step) {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .resource(
            new JobBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .addToLabels(JobLabels.TASK, "build")
                .addToLabels(JobLabels.STEP, JobLabels.value(step))
                .addNewOwnerReference()
                .withApiVersion("steadfast.dev/v1alpha1")
                .withKind("AgentTask")
                .withName("build")
                .withUid(task.getMetadata().getUid())
                .endOwnerReference()
                .endMetadata()
                .build())
        .create();
  }

  static void pod(Job job, String name, String node) {
    client
        .pods()
        .inNamespace(NS)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .addToLabels("job-name", job.getMetadata().getName())
                .addNewOwnerReference()
                .withApiVersion("batch/v1")
                .withKind("Job")
                .withName(job.getMetadata().getName())
                .withUid(job.getMetadata().getUid())
                .endOwnerReference()
                .endMetadata()
                .withNewSpec()
                .withNodeName(node)
                // A mesh's sidecar injected first: the step's container is still the one read.
                .addNewContainer()
                .withName("istio-proxy")
                .withImage("proxy")
                .endContainer()
                .addNewContainer()
                .withName("step")
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  static void log(String pod, String container, String text) {
    server
        .expect()
        .get()
        .withPath(
            "/api/v1/namespaces/"
                + NS
                + "/pods/"
                + pod
                + "/log?pretty=false&container="
                + container)
        .andReturn(200, text)
        .always();
  }

  record Cli(int exit, String out, String err) {}

  static Cli logs(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 3];
    all[0] = "logs";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--kubeconfig";
    all[args.length + 2] = kubeconfig.toString();
    int exit = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), all);
    return new Cli(exit, out.toString(), err.toString());
  }

  @Test
  void eachAttemptsPodIsPrintedInOrderFromItsStepContainer() {
    Cli cli = logs("build", "--step", "compile");
    assertThat(cli.err()).isEmpty();
    assertThat(cli.exit()).isZero();
    assertThat(cli.out())
        .isEqualTo(
            "==> Job/build-compile-1 Pod/build-compile-1-aaaaa <==\n"
                + "compiling\nerror: out of memory\n"
                + "==> Job/build-compile-2 Pod/build-compile-2-bbbbb <==\n"
                + "compiling\ndone\n");
  }

  @Test
  void aLogTheApiServerCannotFetchIsOneLineAndTheOthersStillPrint() {
    Cli cli = logs("build");
    assertThat(cli.exit()).isEqualTo(1);
    assertThat(cli.out())
        .contains("compiling\ndone\n")
        .endsWith("==> Job/build-lint-1 Pod/build-lint-1-ccccc <==\n")
        .doesNotContain("sidecar");
    assertThat(cli.err())
        .isEqualTo(
            "error: no logs for Pod/build-lint-1-ccccc: Get"
                + " \"https://node-2:10250/containerLogs/team-a/build-lint-1-ccccc/step\": dial tcp:"
                + " lookup node-2: no such host (HTTP 502)\n");
  }

  @Test
  void aStepWithoutJobsIsNamed() {
    Cli cli = logs("build", "--step", "fetch");
    assertThat(cli.exit()).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo("no Jobs of agenttask/build step fetch (only job steps run Pods)\n");
  }
}
