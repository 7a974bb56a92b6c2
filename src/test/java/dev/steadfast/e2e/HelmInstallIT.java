package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Release;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
import dev.steadfast.operator.ApiAccess;
import dev.steadfast.operator.OperatorConfig;
import dev.steadfast.operator.OperatorHarness;
import dev.steadfast.operator.SteadfastOperator;
import dev.steadfast.operator.secrets.SecretPolicy;
import dev.steadfast.simulator.LlmSimulator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Helm chart installed into a real API server with RBAC and Pod Security admission on, checked
 * the way a cluster admin would: what exists, what the ServiceAccount may and may not do, whether
 * the pod is admitted in a "restricted" namespace, and whether an operator holding nothing but the
 * chart's RBAC runs a task to the end. Two releases: one for all namespaces (the default) and one
 * limited to a namespace.
 */
@RealApiServer
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HelmInstallIT {
  static final String SYSTEM = "helm-system";
  static final String TASKS = "helm-tasks";
  static final String SCOPED_SYSTEM = "helm-scoped-system";
  static final String SCOPED_A = "helm-scoped-a";
  static final String SCOPED_B = "helm-scoped-b";
  static final String CRD = "agenttasks.steadfast.dev";
  static final String RESTRICTED = "pod-security.kubernetes.io/enforce";

  static KubeApiServer server;
  static KubernetesClient admin;
  static HelmRelease all;
  static HelmRelease scoped;
  static LlmSimulator sim;

  @BeforeAll
  static void install(KubeApiServer apiServer) {
    server = apiServer;
    admin = apiServer.client();
    admin
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(SYSTEM)
                .addToLabels(RESTRICTED, "restricted")
                .endMetadata()
                .build())
        .fieldManager("steadfast-e2e")
        .serverSideApply();
    for (String ns : List.of(TASKS, SCOPED_SYSTEM, SCOPED_A, SCOPED_B)) {
      apiServer.namespace(ns);
      admin
          .secrets()
          .inNamespace(ns)
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("llm-credentials")
                  // docs/security.md: bound to the simulator's hosts on loopback.
                  .addToAnnotations("steadfast.dev/allowed-hosts", "127.0.0.1,localhost")
                  .endMetadata()
                  .addToStringData("api-key", "sk-helm")
                  .build())
          .serverSideApply();
    }
    all = new HelmRelease(apiServer, "sf-all", SYSTEM);
    scoped = new HelmRelease(apiServer, "sf-scoped", SCOPED_SYSTEM);
    long started = System.nanoTime();
    all.install("");
    System.out.printf(
        "helm install sf-all (CRD + 8 objects): %d ms%n",
        (System.nanoTime() - started) / 1_000_000);
    started = System.nanoTime();
    scoped.install("watchNamespaces: [" + SCOPED_A + "]\n");
    System.out.printf("helm install sf-scoped: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    sim = LlmSimulator.builder().port(0).build().start();
  }

  @AfterAll
  static void stop() {
    if (sim != null) {
      sim.stop();
    }
  }

  @Test
  @Order(1)
  void theReleaseIsDeployedWithItsCrdAndLabelledObjects() throws Exception {
    Release release = all.listed().orElseThrow();
    assertThat(release.getStatus()).isEqualTo("deployed");
    assertThat(release.getRevision()).isEqualTo("1");
    assertThat(release.getChart()).isEqualTo("steadfast-0.1.0");

    CustomResourceDefinition crd =
        admin.apiextensions().v1().customResourceDefinitions().withName(CRD).get();
    assertThat(KubeApiServer.established(crd)).as("CRD %s Established", CRD).isTrue();
    CustomResourceDefinition shipped =
        admin
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .load(HelmRelease.CHART.resolve(Path.of("crds", CRD + "-v1.yml")).toFile())
            .item();
    assertThat(crd.getSpec().getVersions())
        .extracting(CustomResourceDefinitionVersion::getName)
        .isEqualTo(
            shipped.getSpec().getVersions().stream()
                .map(CustomResourceDefinitionVersion::getName)
                .toList());
    System.out.println(
        "CRD written by: "
            + crd.getMetadata().getManagedFields().stream().map(f -> f.getManager()).toList());

    String name = all.fullname();
    List<HasMetadata> installed =
        List.of(
            admin.serviceAccounts().inNamespace(SYSTEM).withName(name).get(),
            admin.rbac().clusterRoles().withName(name).get(),
            admin.rbac().clusterRoleBindings().withName(name).get(),
            admin.rbac().roles().inNamespace(SYSTEM).withName(name + "-own-namespace").get(),
            admin.rbac().roleBindings().inNamespace(SYSTEM).withName(name + "-own-namespace").get(),
            admin.apps().deployments().inNamespace(SYSTEM).withName(name).get(),
            admin.services().inNamespace(SYSTEM).withName(name + "-metrics").get());
    assertThat(installed).doesNotContainNull();
    for (HasMetadata o : installed) {
      assertThat(o.getMetadata().getLabels())
          .as("labels of %s %s", o.getKind(), o.getMetadata().getName())
          .containsEntry("app.kubernetes.io/instance", "sf-all")
          .containsEntry("app.kubernetes.io/managed-by", "Helm")
          .containsEntry("app.kubernetes.io/name", "steadfast");
      assertThat(o.getMetadata().getAnnotations())
          .containsEntry("meta.helm.sh/release-name", "sf-all")
          .containsEntry("meta.helm.sh/release-namespace", SYSTEM);
    }
    Deployment d = deployment(all);
    assertThat(d.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo(name);
    assertThat(admin.rbac().clusterRoleBindings().withName(name).get().getSubjects())
        .singleElement()
        .satisfies(
            s -> assertThat(s.getNamespace() + "/" + s.getName()).isEqualTo(SYSTEM + "/" + name));
  }

  @Test
  @Order(2)
  void theServiceAccountMayDoExactlyWhatApiAccessListsAndNothingDangerous() {
    List<String> denied = new ArrayList<>();
    for (ApiAccess.Rule rule : ApiAccess.RULES) {
      for (String verb : rule.verbs()) {
        List<String> where =
            switch (rule.scope()) {
              // All-namespaces mode: the informers list and watch cluster-wide.
              case WATCHED_NAMESPACES -> List.of(TASKS, "--all-namespaces");
              case OPERATOR_NAMESPACE -> List.of(SYSTEM);
              case CLUSTER -> List.of("");
            };
        for (String ns : where) {
          if (!CanI.ask(server, all.subject(), verb, rule.apiGroup(), rule.resource(), ns)) {
            denied.add(verb + " " + rule.resource() + " in " + ns);
          }
        }
      }
    }
    assertThat(denied).as("ApiAccess entries the chart's RBAC denies").isEmpty();
    List<String> forbidden =
        List.of(
            "delete||secrets|" + TASKS,
            "create||secrets|" + TASKS,
            "create||pods|" + TASKS,
            "create||pods/exec|" + TASKS,
            "list||nodes|",
            "create|steadfast.dev|agenttasks|" + TASKS,
            "update|steadfast.dev|agenttasks|" + TASKS,
            "delete|steadfast.dev|agenttasks|" + TASKS,
            "get|coordination.k8s.io|leases|kube-system",
            "delete|coordination.k8s.io|leases|" + SYSTEM,
            "create|rbac.authorization.k8s.io|clusterrolebindings|",
            "create||serviceaccounts/token|" + SYSTEM,
            "*||*|" + TASKS);
    List<String> allowed = new ArrayList<>();
    for (String f : forbidden) {
      String[] p = f.split("\\|", -1);
      if (CanI.ask(server, all.subject(), p[0], p[1], p[2], p[3])) {
        allowed.add(f);
      }
    }
    assertThat(allowed).as("things the operator must not be able to do").isEmpty();
  }

  @Test
  @Order(3)
  void thePodIsAdmittedInARestrictedNamespaceAndAPrivilegedOneIsNot() {
    assertThat(admin.namespaces().withName(SYSTEM).get().getMetadata().getLabels())
        .containsEntry(RESTRICTED, "restricted");
    PodSpec template = deployment(all).getSpec().getTemplate().getSpec();
    Pod admitted =
        admin.pods().inNamespace(SYSTEM).resource(pod("as-installed", template)).dryRun().create();
    assertThat(admitted.getMetadata().getUid()).isNotNull();
    assertThat(admin.pods().inNamespace(SYSTEM).withName("as-installed").get())
        .as("a dry run stores nothing")
        .isNull();

    PodSpec privileged =
        new PodSpecBuilder(template)
            .editSecurityContext()
            .withRunAsNonRoot(null)
            .endSecurityContext()
            .editFirstContainer()
            .editSecurityContext()
            .withRunAsNonRoot(null)
            // privileged with allowPrivilegeEscalation=false is invalid (422), not forbidden
            .withAllowPrivilegeEscalation(null)
            .withPrivileged(true)
            .endSecurityContext()
            .endContainer()
            .build();
    KubernetesClientException rejected =
        catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                admin
                    .pods()
                    .inNamespace(SYSTEM)
                    .resource(pod("privileged", privileged))
                    .dryRun()
                    .create());
    assertThat(rejected).as("the negative control must be rejected").isNotNull();
    assertThat(rejected.getCode()).as(rejected.getMessage()).isEqualTo(403);
    assertThat(rejected.getMessage())
        .contains("violates PodSecurity \"restricted:latest\"")
        .contains("privileged")
        .contains("runAsNonRoot");
  }

  @Test
  @Order(4)
  void anOperatorWithOnlyTheChartsRbacRunsATask() {
    // The release watches all namespaces, but other test classes share this API server: the
    // operator is limited to TASKS so it leaves their tasks alone. Its RBAC is the ClusterRole's.
    runAsTheChart(all, TASKS);
  }

  @Test
  @Order(5)
  void aNamespaceScopedReleaseGrantsAgentTasksInItsNamespaceOnly() {
    String sa = scoped.subject();
    assertThat(CanI.ask(server, sa, "list", "steadfast.dev", "agenttasks", SCOPED_A)).isTrue();
    assertThat(CanI.ask(server, sa, "list", "steadfast.dev", "agenttasks", SCOPED_B)).isFalse();
    assertThat(CanI.ask(server, sa, "list", "steadfast.dev", "agenttasks", "--all-namespaces"))
        .isFalse();
    assertThat(CanI.ask(server, sa, "get", "", "secrets", SCOPED_B)).isFalse();
    // The ServiceAccount's own token sees the same, and the 403 recorder used below works.
    List<String> forbidden = java.util.Collections.synchronizedList(new ArrayList<>());
    try (KubernetesClient asServiceAccount = scoped.serviceAccountClient(forbidden)) {
      assertThat(
              asServiceAccount.resources(AgentTask.class).inNamespace(SCOPED_A).list().getItems())
          .isEmpty();
      KubernetesClientException e =
          catchThrowableOfType(
              KubernetesClientException.class,
              () -> asServiceAccount.resources(AgentTask.class).inNamespace(SCOPED_B).list());
      assertThat(e).isNotNull();
      assertThat(e.getCode()).isEqualTo(403);
    }
    assertThat(forbidden)
        .containsExactly("GET /apis/steadfast.dev/v1alpha1/namespaces/" + SCOPED_B + "/agenttasks");
    assertThat(CanI.ask(server, sa, "get", "", "secrets", TASKS)).isFalse();
    List<ClusterRole> boundToIt =
        admin.rbac().clusterRoleBindings().list().getItems().stream()
            .filter(
                b ->
                    b.getSubjects() != null
                        && b.getSubjects().stream()
                            .anyMatch(
                                s ->
                                    scoped.fullname().equals(s.getName())
                                        && SCOPED_SYSTEM.equals(s.getNamespace())))
            .map(b -> admin.rbac().clusterRoles().withName(b.getRoleRef().getName()).get())
            .filter(Objects::nonNull)
            .toList();
    assertThat(boundToIt)
        .extracting(r -> r.getMetadata().getName())
        .containsExactly("sf-scoped-steadfast");
    assertThat(boundToIt.get(0).getRules())
        .allSatisfy(r -> assertThat(r.getApiGroups()).containsExactly("authorization.k8s.io"));
    assertThat(
            deployment(scoped).getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .contains("--namespaces=" + SCOPED_A);
    runAsTheChart(scoped, null);
  }

  @Test
  @Order(6)
  void upgradeChangesTheArgsAndUninstallKeepsTheCrdAndTasks() {
    assertThat(args(all)).contains("--max-concurrent-steps=64");
    Release upgraded = all.upgrade("maxConcurrentSteps: 7\n");
    assertThat(upgraded.getRevision()).isEqualTo("2");
    assertThat(upgraded.getStatus()).isEqualTo("deployed");
    assertThat(args(all))
        .contains("--max-concurrent-steps=7")
        .doesNotContain("--max-concurrent-steps=64");

    String name = all.fullname();
    all.uninstall();
    assertThat(all.listed()).isEmpty();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(admin.apps().deployments().inNamespace(SYSTEM).withName(name).get())
                  .isNull();
              assertThat(admin.serviceAccounts().inNamespace(SYSTEM).withName(name).get()).isNull();
              assertThat(admin.rbac().clusterRoles().withName(name).get()).isNull();
              assertThat(admin.rbac().clusterRoleBindings().withName(name).get()).isNull();
              assertThat(
                      admin
                          .rbac()
                          .roles()
                          .inNamespace(SYSTEM)
                          .withName(name + "-own-namespace")
                          .get())
                  .isNull();
              assertThat(admin.services().inNamespace(SYSTEM).withName(name + "-metrics").get())
                  .isNull();
            });
    assertThat(admin.apiextensions().v1().customResourceDefinitions().withName(CRD).get())
        .isNotNull();
    AgentTask survivor =
        admin.resources(AgentTask.class).inNamespace(TASKS).withName("helm-smoke").get();
    assertThat(survivor).isNotNull();
    assertThat(survivor.getStatus().phase).isEqualTo(TaskPhase.Succeeded);
    // The other release is untouched.
    assertThat(scoped.listed().orElseThrow().getStatus()).isEqualTo("deployed");
  }

  /**
   * Runs the operator in-process with the Deployment's arguments as installed, authenticated only
   * by a token of the chart's ServiceAccount, and a task to the end in its watched namespace.
   */
  static void runAsTheChart(HelmRelease release, String onlyNamespace) {
    List<String> args = args(release);
    List<String> namespaces =
        onlyNamespace != null
            ? List.of(onlyNamespace)
            : List.of(arg(args, "--namespaces").split(","));
    String taskNs = namespaces.get(0);
    OperatorConfig config =
        OperatorHarness.config()
            .namespaces(namespaces)
            .maxConcurrentSteps(Integer.parseInt(arg(args, "--max-concurrent-steps")))
            .leaderElection(args.contains("--leader-election"))
            .leaseName(arg(args, "--lease-name"))
            .operatorNamespace(release.namespace())
            .identity(release.name() + "-replica")
            .breakersConfigMap(arg(args, "--breakers-configmap"))
            .secretPolicy(SecretPolicy.parse(arg(args, "--secret-policy")))
            .build();
    // Named after the release, so two releases could share a namespace.
    assertThat(config.leaseName()).isEqualTo(release.name() + "-steadfast");
    assertThat(config.breakersConfigMap()).isEqualTo(config.leaseName() + "-breakers");
    assertThat(config.leaderElection()).isTrue();
    List<String> forbidden = java.util.Collections.synchronizedList(new ArrayList<>());
    try (KubernetesClient asServiceAccount = release.serviceAccountClient(forbidden)) {
      long started = System.nanoTime();
      SteadfastOperator operator =
          new SteadfastOperator(asServiceAccount, config, Clock.systemUTC());
      try {
        operator.start();
        admin.resource(task(taskNs)).create();
        await()
            .atMost(Duration.ofSeconds(90))
            .until(
                () -> {
                  AgentTask t =
                      admin
                          .resources(AgentTask.class)
                          .inNamespace(taskNs)
                          .withName("helm-smoke")
                          .get();
                  return t.getStatus() != null
                      && t.getStatus().phase == TaskPhase.Succeeded
                      && t.getStatus().conditions.stream()
                          .anyMatch(c -> "Ready".equals(c.type) && "True".equals(c.status));
                });
        System.out.printf(
            "%s: operator start to task Succeeded as the ServiceAccount: %d ms%n",
            release.name(), (System.nanoTime() - started) / 1_000_000);
        assertThat(
                admin
                    .leases()
                    .inNamespace(release.namespace())
                    .withName(config.leaseName())
                    .get()
                    .getSpec()
                    .getHolderIdentity())
            .isEqualTo(config.identity());
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    admin.v1().events().inNamespace(taskNs).list().getItems().stream()
                        .anyMatch(e -> "helm-smoke".equals(e.getInvolvedObject().getName())));
      } finally {
        operator.close();
      }
    }
    assertThat(forbidden).as("requests of the operator the API server forbade").isEmpty();
  }

  static AgentTask task(String namespace) {
    try {
      return Json.YAML.readValue(
          """
          apiVersion: steadfast.dev/v1alpha1
          kind: AgentTask
          metadata: {name: helm-smoke, namespace: NS}
          spec:
            steps:
              - name: ask
                llm:
                  endpoint: SIM/v1
                  model: gpt-4o
                  apiKeySecretRef: {name: llm-credentials, key: api-key}
                  messages: [{role: user, content: hi}]
          """
              .replace("NS", namespace)
              .replace("SIM", sim.baseUrl()),
          AgentTask.class);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Pod pod(String name, PodSpec spec) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(SYSTEM)
        .endMetadata()
        .withSpec(spec)
        .build();
  }

  static Deployment deployment(HelmRelease release) {
    return admin
        .apps()
        .deployments()
        .inNamespace(release.namespace())
        .withName(release.fullname())
        .get();
  }

  static List<String> args(HelmRelease release) {
    return deployment(release).getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
  }

  static String arg(List<String> args, String name) {
    return args.stream()
        .filter(a -> a.startsWith(name + "="))
        .map(a -> a.substring(name.length() + 1))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + args));
  }

  /** `kubectl auth can-i`, impersonating a user: the API server's own answer. */
  static final class CanI {
    static boolean ask(
        KubeApiServer server, String user, String verb, String group, String resource, String ns) {
      String[] parts = resource.split("/", 2);
      String qualified = group.isEmpty() ? parts[0] : parts[0] + "." + group;
      List<String> cmd = new ArrayList<>(List.of("auth", "can-i", verb, qualified, "--as=" + user));
      if (parts.length == 2) {
        cmd.add("--subresource=" + parts[1]);
      }
      if ("--all-namespaces".equals(ns)) {
        cmd.add(ns);
      } else if (!ns.isEmpty()) {
        cmd.addAll(List.of("-n", ns));
      }
      Kubectl.Result r = server.kubectl().run(cmd.toArray(String[]::new));
      // 0 "yes", 1 "no"; anything else is kubectl failing, not an answer.
      if (r.exitCode() > 1
          || !Map.of(0, "yes", 1, "no").get(r.exitCode()).equals(r.stdout().strip())) {
        throw new AssertionError("kubectl " + String.join(" ", cmd) + ": " + r);
      }
      return r.exitCode() == 0;
    }
  }
}
