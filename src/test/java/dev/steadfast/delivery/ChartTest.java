package dev.steadfast.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.steadfast.engine.format.Json;
import dev.steadfast.engine.policy.DefaultPolicy;
import dev.steadfast.engine.policy.EffectivePolicy;
import dev.steadfast.engine.validation.ManifestValidator;
import dev.steadfast.engine.validation.TaskValidator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chart lints strictly and renders what a cluster admin expects, with defaults and without. */
class ChartTest {
  static final Path CRD = Path.of("crds", "agenttasks.steadfast.dev-v1.yml");

  @Test
  void lintsStrictly() {
    LintResult lint = new Helm(Chart.DIR).lint().strict().call();
    assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
    assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
  }

  @Test
  void theChartShipsTheCommittedCrd() throws Exception {
    Path copy = Chart.DIR.resolve(CRD);
    assertThat(Files.mismatch(copy, CRD))
        .as("%s must be a copy of %s: cp %s %s", copy, CRD, CRD, copy)
        .isEqualTo(-1L);
    assertThat(Files.list(Chart.DIR.resolve("crds")).toList()).containsExactly(copy);
  }

  @Test
  void appVersionIsTheProjectVersionSoTheDefaultTagIsTheBuiltImage() throws Exception {
    String pom = Files.readString(Path.of("pom.xml"));
    String version = pom.replaceFirst("(?s).*?<version>([^<]+)</version>.*", "$1");
    assertThat(Files.readString(Chart.DIR.resolve("Chart.yaml")))
        .contains("appVersion: \"" + version + "\"");
  }

  @Test
  void defaultsRunOneLeaderElectingOperatorForAllNamespaces() {
    Chart.Rendered r = Chart.render("");
    Deployment d = r.one(Deployment.class);
    assertThat(d.getMetadata().getNamespace()).isEqualTo(Chart.NAMESPACE);
    assertThat(d.getSpec().getReplicas()).isEqualTo(1);
    Container c = container(d);
    assertThat(c.getImage()).isEqualTo("ghcr.io/steadfast-dev/steadfast:0.1.0-SNAPSHOT");
    assertThat(c.getImagePullPolicy()).isEqualTo("IfNotPresent");
    assertThat(c.getArgs())
        .containsExactly(
            "operator",
            "--max-concurrent-steps=64",
            "--max-response-bytes=786432",
            "--max-bytes-in-flight=67108864",
            "--max-items=10000",
            "--adaptive-concurrency=true",
            "--metrics-port=8080",
            "--health-port=8081",
            "--breakers-configmap=steadfast-breakers",
            "--leader-election",
            "--lease-name=steadfast",
            "--secret-policy=annotated");
    assertThat(c.getEnv())
        .extracting(EnvVar::getName, e -> e.getValueFrom() == null ? e.getValue() : "")
        .containsExactly(
            tuple("POD_NAMESPACE", ""),
            tuple("POD_NAME", ""),
            // the small-heap, long-running settings of docs/startup.md
            tuple("JDK_JAVA_OPTIONS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms32m"));
    assertThat(c.getEnv().subList(0, 2))
        .extracting(EnvVar::getName, e -> e.getValueFrom().getFieldRef().getFieldPath())
        .containsExactly(
            tuple("POD_NAMESPACE", "metadata.namespace"), tuple("POD_NAME", "metadata.name"));
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("health");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("health");
    assertThat(c.getPorts())
        .extracting(p -> p.getName() + ":" + p.getContainerPort())
        .containsExactly("metrics:8080", "health:8081");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKey("memory");
    PodSecurity.assertRestricted(d.getSpec().getTemplate().getSpec());

    ServiceAccount sa = r.one(ServiceAccount.class);
    assertThat(d.getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo(sa.getMetadata().getName())
        .isEqualTo("steadfast");
    Service metrics = r.one(Service.class);
    assertThat(metrics.getSpec().getSelector())
        .isEqualTo(d.getSpec().getSelector().getMatchLabels());
    assertThat(metrics.getSpec().getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("metrics"));
    assertThat(r.kind("ServiceMonitor")).isEmpty();
    assertThat(r.all(NetworkPolicy.class)).hasSize(1);
  }

  @Test
  void nonDefaultValuesReachTheDeployment() {
    Chart.Rendered r =
        Chart.render(
            """
            image: {repository: registry.example.com/ops/steadfast, tag: "1.2.3", pullPolicy: Always}
            imagePullSecrets: [{name: regcred}]
            adaptiveConcurrency: false
            replicas: 2
            watchNamespaces: [team-a, team-b]
            maxConcurrentSteps: 8
            maxResponseBytes: 2Mi
            maxBytesInFlight: 134217728
            maxItems: 500
            egressAllow: [api.openai.com, "*.anthropic.com"]
            secretPolicy: open
            jobs: {serviceAccounts: [builder, ci-runner]}
            enableChaos: true
            jvmOptions: ""
            extraEnv:
              - {name: JAVA_TOOL_OPTIONS, value: "-Dorg.slf4j.simpleLogger.defaultLogLevel=debug"}
            metrics: {port: 9090, serviceMonitor: {enabled: true, labels: {release: prom}}}
            health: {port: 9091}
            nodeSelector: {kubernetes.io/os: linux}
            tolerations: [{key: dedicated, operator: Equal, value: ops, effect: NoSchedule}]
            affinity:
              nodeAffinity:
                requiredDuringSchedulingIgnoredDuringExecution:
                  nodeSelectorTerms:
                    - matchExpressions: [{key: kubernetes.io/arch, operator: In, values: [amd64]}]
            """);
    Deployment d = r.one(Deployment.class);
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    Container c = container(d);
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    assertThat(c.getImage()).isEqualTo("registry.example.com/ops/steadfast:1.2.3");
    assertThat(c.getImagePullPolicy()).isEqualTo("Always");
    assertThat(pod.getImagePullSecrets()).extracting(s -> s.getName()).containsExactly("regcred");
    assertThat(c.getArgs())
        .containsExactly(
            "operator",
            "--max-concurrent-steps=8",
            "--max-response-bytes=2Mi",
            "--max-bytes-in-flight=134217728",
            "--max-items=500",
            "--adaptive-concurrency=false",
            "--metrics-port=9090",
            "--health-port=9091",
            "--breakers-configmap=steadfast-breakers",
            "--leader-election",
            "--lease-name=steadfast",
            "--namespaces=team-a,team-b",
            "--egress-allow=api.openai.com,*.anthropic.com",
            "--secret-policy=open",
            "--job-service-accounts=builder,ci-runner",
            "--enable-chaos");
    assertThat(c.getEnv())
        .extracting(EnvVar::getName)
        .containsExactly("POD_NAMESPACE", "POD_NAME", "JAVA_TOOL_OPTIONS");
    assertThat(c.getPorts())
        .extracting(p -> p.getName() + ":" + p.getContainerPort())
        .containsExactly("metrics:9090", "health:9091");
    assertThat(pod.getNodeSelector()).containsEntry("kubernetes.io/os", "linux");
    assertThat(pod.getTolerations()).extracting(t -> t.getKey()).containsExactly("dedicated");
    assertThat(pod.getAffinity().getNodeAffinity()).isNotNull();
    PodSecurity.assertRestricted(pod);

    GenericKubernetesResource monitor = (GenericKubernetesResource) r.kind("ServiceMonitor").get(0);
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prom");
    assertThat(monitor.<String>get("spec", "endpoints", 0, "port")).isEqualTo("metrics");
    assertThat(monitor.<String>get("spec", "endpoints", 0, "path")).isEqualTo("/metrics");
    assertThat(monitor.<Map<String, String>>get("spec", "selector", "matchLabels"))
        .isEqualTo(r.one(Service.class).getSpec().getSelector());
  }

  @Test
  void theDefaultNetworkPolicyLetsOutDnsAndEverythingButTheMetadataRange() {
    NetworkPolicy np = Chart.render("").one(NetworkPolicy.class);

    assertThat(np.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(Chart.render("").one(Deployment.class).getSpec().getSelector().getMatchLabels());
    assertThat(np.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
    assertThat(np.getSpec().getIngress())
        .extracting(i -> i.getPorts().get(0).getPort().getStrVal(), i -> i.getFrom().size())
        .containsExactly(tuple("metrics", 0), tuple("health", 0));
    var egress = np.getSpec().getEgress();
    assertThat(egress).hasSize(2);
    assertThat(egress.get(0).getTo()).isEmpty();
    assertThat(egress.get(0).getPorts())
        .extracting(p -> p.getPort().getIntVal() + "/" + p.getProtocol())
        .containsExactly("53/UDP", "53/TCP");
    // Any port to any IPv4 or IPv6 address (the API server, providers, in-cluster model servers,
    // which the operator's own guard decides on), except link-local and the clouds' IPv6 metadata
    // addresses: 169.254.169.254 is not reachable, and neither is it over IPv6 on a dual-stack
    // node.
    assertThat(egress.get(1).getPorts()).isEmpty();
    assertThat(egress.get(1).getTo())
        .extracting(peer -> peer.getIpBlock().getCidr(), peer -> peer.getIpBlock().getExcept())
        .containsExactly(
            tuple("0.0.0.0/0", List.of("169.254.0.0/16")),
            tuple("::/0", List.of("fe80::/10", "fd00:ec2::254/128", "fd20:ce::254/128")));
  }

  @Test
  void networkPolicyCanBeNarrowedOrTurnedOff() {
    Chart.Rendered r =
        Chart.render(
            """
            networkPolicy:
              metricsFrom:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
              egress:
                - ports: [{port: 443, protocol: TCP}]
            """);
    NetworkPolicy np = r.one(NetworkPolicy.class);
    assertThat(np.getSpec().getIngress())
        .extracting(i -> i.getPorts().get(0).getPort().getStrVal(), i -> i.getFrom().size())
        .containsExactly(tuple("metrics", 1), tuple("health", 0));
    assertThat(np.getSpec().getEgress())
        .flatExtracting(e -> e.getPorts())
        .extracting(p -> p.getPort().getIntVal() + "/" + p.getProtocol())
        .containsExactly("53/UDP", "53/TCP", "443/TCP");
    assertThat(Chart.render("networkPolicy: {enabled: false}").all(NetworkPolicy.class)).isEmpty();
  }

  @Test
  void severalReplicasWithoutLeaderElectionAreRefused() {
    assertThatThrownBy(() -> Chart.render("replicas: 3\nleaderElection: {enabled: false}"))
        .hasMessageContaining("replicas > 1 needs leaderElection.enabled");
    Container single =
        container(Chart.render("leaderElection: {enabled: false}").one(Deployment.class));
    assertThat(single.getArgs()).doesNotContain("--leader-election");
  }

  @Test
  void anExistingServiceAccountCanBeUsed() {
    Chart.Rendered r = Chart.render("serviceAccount: {create: false, name: platform-ops}");
    assertThat(r.all(ServiceAccount.class)).isEmpty();
    assertThat(r.one(Deployment.class).getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo("platform-ops");
    assertThat(r.all(ClusterRoleBinding.class).get(0).getSubjects())
        .singleElement()
        .satisfies(s -> assertThat(s.getName()).isEqualTo("platform-ops"));
  }

  @Test
  void theDefaultPolicyIsMountedAndReadByTheOperatorAtStart(@TempDir Path dir) throws Exception {
    Chart.Rendered r =
        Chart.render(
            """
            defaultPolicy:
              retry: {maxAttempts: 8, backoff: {initialDelay: 2s}}
              classify:
                - {when: "response.status == 503", tier: Fatal, reason: ProviderDown}
            """);
    ConfigMap cm = r.named(ConfigMap.class, Chart.NAMESPACE, "steadfast-policy");
    Deployment d = r.one(Deployment.class);
    Container c = container(d);
    assertThat(c.getArgs()).contains("--default-policy=/etc/steadfast/policy.yaml");
    assertThat(c.getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/etc/steadfast");
              assertThat(m.getReadOnly()).isTrue();
              assertThat(
                      d.getSpec().getTemplate().getSpec().getVolumes().stream()
                          .filter(v -> v.getName().equals(m.getName()))
                          .findFirst()
                          .orElseThrow()
                          .getConfigMap()
                          .getName())
                  .isEqualTo("steadfast-policy");
            });
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsKey("checksum/default-policy");
    PodSecurity.assertRestricted(d.getSpec().getTemplate().getSpec());

    // What the operator reads from the mounted file.
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, cm.getData().get("policy.yaml"));
    var p = EffectivePolicy.resolve(DefaultPolicy.load(file), null, null);
    assertThat(p.maxAttempts()).isEqualTo(8);
    assertThat(p.backoff().initialDelay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(p.backoff().maxDelay()).isEqualTo(Duration.ofMinutes(5));
    assertThat(p.classify()).extracting(rule -> rule.reason).containsExactly("ProviderDown");

    String changed =
        Chart.render("defaultPolicy: {retry: {maxAttempts: 9}}")
            .one(Deployment.class)
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations()
            .get("checksum/default-policy");
    assertThat(changed)
        .isNotEqualTo(
            d.getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations()
                .get("checksum/default-policy"));
    assertThat(Chart.render("").all(ConfigMap.class)).isEmpty();
  }

  @Test
  void thePriceTableIsMountedAndReadByTheOperatorAtStart(@TempDir Path dir) throws Exception {
    Chart.Rendered r =
        Chart.render(
            """
            pricing:
              gpt-4o: {input: 2.5, output: 10}
              "claude-*": {input: "3", output: "15.00"}
            """);
    ConfigMap cm = r.named(ConfigMap.class, Chart.NAMESPACE, "steadfast-pricing");
    Deployment d = r.one(Deployment.class);
    Container c = container(d);
    assertThat(c.getArgs()).contains("--pricing=/etc/steadfast-pricing/pricing.yaml");
    assertThat(c.getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/etc/steadfast-pricing");
              assertThat(m.getReadOnly()).isTrue();
              assertThat(
                      d.getSpec().getTemplate().getSpec().getVolumes().stream()
                          .filter(v -> v.getName().equals(m.getName()))
                          .findFirst()
                          .orElseThrow()
                          .getConfigMap()
                          .getName())
                  .isEqualTo("steadfast-pricing");
            });
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsKey("checksum/pricing");

    // What the operator reads from the mounted file.
    Path file = dir.resolve("pricing.yaml");
    Files.writeString(file, cm.getData().get("pricing.yaml"));
    var pricing = dev.steadfast.engine.Pricing.load(file);
    assertThat(pricing.of("gpt-4o").output()).isEqualByComparingTo("10");
    assertThat(pricing.of("claude-3-haiku").output()).isEqualByComparingTo("15");
    assertThat(
            Chart.render("")
                .one(Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getArgs())
        .noneMatch(a -> a.startsWith("--pricing"));
  }

  @Test
  void aPriceWithoutBothFiguresIsRefusedAtInstall() {
    assertThatThrownBy(() -> Chart.render("pricing: {gpt-4o: {input: 1}}"))
        .hasMessageContaining("output");
    assertThatThrownBy(() -> Chart.render("pricing: {gpt-4o: {input: 1, output: 1, cached: 2}}"))
        .hasMessageContaining("cached");
  }

  @Test
  void aDefaultPolicyTheApiServerWouldRefuseInATaskIsRefusedAtInstall() {
    assertThatThrownBy(() -> Chart.render("defaultPolicy: {retry: {maxAttemps: 3}}"))
        .hasMessageContaining("maxAttemps");
    assertThatThrownBy(() -> Chart.render("defaultPolicy: {timeout: soon}"))
        .hasMessageContaining("timeout");
    assertThatThrownBy(() -> Chart.render("defaultPolicy: {retry: {backoff: {jitter: Sometimes}}}"))
        .hasMessageContaining("jitter");
  }

  @Test
  void tracingIsOffByDefaultAndOnSendsTheEndpointToTheOperator() {
    assertThat(container(Chart.render("").one(Deployment.class)).getArgs())
        .noneMatch(a -> a.startsWith("--otlp-endpoint"));
    Container c =
        container(
            Chart.render(
                    "tracing: {enabled: true, endpoint: 'http://otel-collector.observability.svc:4318'}")
                .one(Deployment.class));
    assertThat(c.getArgs())
        .contains("--otlp-endpoint=http://otel-collector.observability.svc:4318");
    assertThatThrownBy(() -> Chart.render("tracing: {enabled: true}"))
        .hasMessageContaining("endpoint");
    assertThatThrownBy(() -> Chart.render("tracing: {enabled: true, endpoint: 'collector:4318'}"))
        .hasMessageContaining("endpoint");
  }

  @Test
  void aMistypedValueIsRefusedByTheSchema() {
    assertThatThrownBy(() -> Chart.render("watchNamespace: [team-a]"))
        .hasMessageContaining("watchNamespace");
    assertThatThrownBy(() -> Chart.render("watchNamespaces: [Team_A]"))
        .hasMessageContaining("watchNamespaces");
    assertThatThrownBy(() -> Chart.render("secretPolicy: closed"))
        .hasMessageContaining("secretPolicy");
    assertThatThrownBy(() -> Chart.render("jobs: {serviceAccounts: [Builder_1]}"))
        .hasMessageContaining("serviceAccounts");
  }

  @Test
  void notesTellHowToCheckTheInstallAndRunAValidExample() throws Exception {
    String notes = Chart.notes("watchNamespaces: [team-a]");
    assertThat(notes)
        .contains(
            "kubectl get crd agenttasks.steadfast.dev",
            "kubectl -n steadfast-system rollout status deployment/steadfast",
            "kubectl -n steadfast-system get lease steadfast",
            "kubectl apply -n team-a -f -",
            "kubectl -n team-a wait --for=condition=Ready agenttask/steadfast-smoke",
            // the operator refuses cluster-internal addresses unless told otherwise
            "needs steadfast-metrics.steadfast-system.svc in egressAllow");
    String example =
        notes
            .substring(notes.indexOf("<<'YAML'"), notes.indexOf("  YAML\n"))
            .lines()
            .skip(1)
            .map(l -> l.substring(2))
            .collect(Collectors.joining("\n"));
    var doc = Json.YAML.readTree(example);
    assertThat(doc.at("/spec/steps/0/http/url").asText())
        .isEqualTo("http://steadfast-metrics.steadfast-system.svc:8080/metrics");
    assertThat(ManifestValidator.fromBundledCrd().validate(doc)).isEmpty();
    assertThat(TaskValidator.bundled().validate(doc)).isEmpty();
  }

  static Container container(Deployment d) {
    List<Container> containers = d.getSpec().getTemplate().getSpec().getContainers();
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }
}
