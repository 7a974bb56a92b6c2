package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/install.md's second way to install: `kubectl apply -k deploy/`, run with the real kubectl
 * against the real API server (its built-in kustomize), as a person would. The CRD it applies is
 * the one every other test class installs, identical, so applying it again changes nothing for
 * them; the test never runs `kubectl delete -k`, which would delete the CRD and every task with it.
 */
@RealApiServer
class KustomizeInstallIT {
  static final String NS = "steadfast-system";
  static KubeApiServer server;
  static KubernetesClient admin;
  static Kubectl.Result applied;

  @BeforeAll
  static void apply(KubeApiServer apiServer) {
    server = apiServer;
    admin = apiServer.client();
    applied = apiServer.kubectl().run("apply", "-k", "deploy/");
  }

  @Test
  void applyKCreatesTheNamespaceTheCrdRbacAndTheOperator() {
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    assertThat(applied.stdout())
        .contains(
            "namespace/steadfast-system ",
            "customresourcedefinition.apiextensions.k8s.io/agenttasks.steadfast.dev ",
            "serviceaccount/steadfast ",
            "clusterrole.rbac.authorization.k8s.io/steadfast ",
            "clusterrolebinding.rbac.authorization.k8s.io/steadfast ",
            "role.rbac.authorization.k8s.io/steadfast-own-namespace ",
            "rolebinding.rbac.authorization.k8s.io/steadfast-own-namespace ",
            "service/steadfast-metrics ",
            "deployment.apps/steadfast ");
    assertThat(applied.stderr()).doesNotContain("rror");

    Deployment d = admin.apps().deployments().inNamespace(NS).withName("steadfast").get();
    assertThat(d.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "kustomize");
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .contains("operator", "--leader-election", "--lease-name=steadfast");
    assertThat(server.kubectl().run("get", "crd", "agenttasks.steadfast.dev").exitCode()).isZero();
    assertThat(
            server
                .kubectl()
                .run(
                    "auth",
                    "can-i",
                    "update",
                    "agenttasks.steadfast.dev",
                    "--subresource=status",
                    "--as=system:serviceaccount:" + NS + ":steadfast",
                    "-n",
                    "default")
                .stdout()
                .trim())
        .isEqualTo("yes");
  }

  @Test
  void theOperatorsPodIsAdmittedByTheRestrictedNamespace() {
    assertThat(admin.namespaces().withName(NS).get().getMetadata().getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
    Deployment d = admin.apps().deployments().inNamespace(NS).withName("steadfast").get();
    var pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("as-applied")
            .withNamespace(NS)
            .endMetadata()
            .withSpec(d.getSpec().getTemplate().getSpec())
            .build();
    // A server-side dry run: admitted (or refused) by PodSecurity, stored nowhere.
    assertThat(admin.pods().inNamespace(NS).resource(pod).dryRun().create().getMetadata().getName())
        .isEqualTo("as-applied");
  }

  @Test
  void applyingAgainChangesNothing() {
    // Nothing drifts: no field the API server stores differently from the files.
    Kubectl.Result diff = server.kubectl().run("diff", "-k", "deploy/");
    assertThat(diff.exitCode()).as(diff.toString()).isZero();
    Kubectl.Result again = server.kubectl().run("apply", "-k", "deploy/");
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.stdout().lines()).allSatisfy(l -> assertThat(l).endsWith(" unchanged"));
  }
}
