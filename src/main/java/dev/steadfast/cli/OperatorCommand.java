package dev.steadfast.cli;

import dev.steadfast.api.Policy;
import dev.steadfast.engine.Checkpoints;
import dev.steadfast.engine.Pricing;
import dev.steadfast.executors.egress.EgressPolicy;
import dev.steadfast.operator.ApiServerHttpClientFactory;
import dev.steadfast.operator.ConfigMapBreakerStore;
import dev.steadfast.operator.HealthServer;
import dev.steadfast.operator.OperatorConfig;
import dev.steadfast.operator.SteadfastOperator;
import dev.steadfast.operator.secrets.SecretPolicy;
import dev.steadfast.tracing.Tracing;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** `steadfast operator`: runs the operator with in-cluster config or the current kubeconfig. */
@Command(
    name = "operator",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description =
        "Runs the AgentTask operator against the current cluster (in-cluster config or kubeconfig).")
public final class OperatorCommand implements Callable<Integer> {
  @Option(
      names = "--namespaces",
      split = ",",
      description = "Namespaces to watch (default: all namespaces).")
  List<String> namespaces = List.of();

  @Option(
      names = "--max-concurrent-steps",
      defaultValue = "64",
      description = "Attempts running at the same time (default ${DEFAULT-VALUE}).")
  int maxConcurrentSteps;

  @Option(
      names = "--max-bytes-in-flight",
      defaultValue = "67108864",
      converter = ByteSizeConverter.class,
      description =
          "Response-body bytes all attempts together may hold while reading; a read over it waits"
              + " for others to finish, up to its deadline (default ${DEFAULT-VALUE}, 64 MiB).")
  long maxBytesInFlight;

  @Mixin TaskDefaultsOptions taskDefaults;

  @Mixin TracingOptions tracingOptions;

  @Option(names = "--leader-election", description = "Use a Lease so only one replica runs steps.")
  boolean leaderElection;

  @Option(
      names = "--metrics-port",
      defaultValue = "8080",
      description = "Prometheus /metrics port (default ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(
      names = "--health-port",
      defaultValue = "8081",
      description = "/healthz and /readyz port (default ${DEFAULT-VALUE}).")
  int healthPort;

  @Option(
      names = "--egress-allow",
      split = ",",
      description =
          "Hosts (host[:port] globs) and CIDRs that http, llm and agent steps may reach although"
              + " they are loopback, link-local, private, CGNAT or unspecified addresses, which are"
              + " refused by default; public addresses are always allowed.")
  List<String> egressAllow = List.of();

  @Option(
      names = "--secret-policy",
      defaultValue = "annotated",
      converter = SecretPolicyConverter.class,
      description =
          "annotated: a Secret is sent only to the hosts its steadfast.dev/allowed-hosts"
              + " annotation lists, and put into a job's env only with steadfast.dev/allowed-in-jobs:"
              + " \"true\"; open: no check, for single-team clusters (default ${DEFAULT-VALUE}).")
  SecretPolicy secretPolicy;

  @Option(
      names = "--job-service-accounts",
      split = ",",
      description =
          "Service accounts a job step may name in serviceAccountName (default: none, the"
              + " namespace's default account, with no token).")
  List<String> jobServiceAccounts = List.of();

  @Option(names = "--enable-chaos", description = "Honour the steadfast.dev/chaos annotation.")
  boolean enableChaos;

  @Option(
      names = "--lease-name",
      defaultValue = "steadfast-operator",
      description =
          "The Lease of --leader-election, in the operator's namespace (default ${DEFAULT-VALUE}).")
  String leaseName;

  @Option(
      names = "--breakers-configmap",
      defaultValue = ConfigMapBreakerStore.DEFAULT_NAME,
      description =
          "The ConfigMap holding circuit breaker states, in the operator's namespace (default ${DEFAULT-VALUE}).")
  String breakersConfigMap;

  @Spec CommandSpec spec;

  /** A bad value is a usage error (exit 2) whose message names the flag and the choices. */
  static final class SecretPolicyConverter implements ITypeConverter<SecretPolicy> {
    @Override
    public SecretPolicy convert(String value) {
      try {
        return SecretPolicy.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    if (!taskDefaults.itemsValid(spec.commandLine().getErr())) {
      return Main.EXIT_INVALID;
    }
    if (maxConcurrentSteps < 1) {
      spec.commandLine()
          .getErr()
          .println("--max-concurrent-steps must be at least 1, got " + maxConcurrentSteps);
      return Main.EXIT_INVALID;
    }
    Optional<Policy> defaults = taskDefaults.defaultPolicy(spec.commandLine().getErr());
    if (defaults.isEmpty()) {
      return Main.EXIT_INVALID;
    }
    Optional<Pricing> pricing = taskDefaults.pricing(spec.commandLine().getErr());
    if (pricing.isEmpty()) {
      return Main.EXIT_INVALID;
    }
    try {
      EgressPolicy.denyInternal(egressAllow);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return Main.EXIT_INVALID;
    }
    OperatorConfig.BodyLimits bodies;
    try {
      bodies = new OperatorConfig.BodyLimits((int) taskDefaults.maxResponseBytes, maxBytesInFlight);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return Main.EXIT_INVALID;
    }
    Optional<Tracing> tracing = tracingOptions.start(spec.commandLine().getErr());
    if (tracing.isEmpty()) {
      return Main.EXIT_INVALID;
    }
    Config clientConfig = Config.autoConfigure(null);
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(clientConfig)
            .withHttpClientFactory(ApiServerHttpClientFactory.forThisJvm(clientConfig))
            .build();
    String namespace =
        System.getenv()
            .getOrDefault(
                "POD_NAMESPACE", client.getNamespace() == null ? "default" : client.getNamespace());
    var config =
        OperatorConfig.builder()
            .namespaces(namespaces)
            .maxConcurrentSteps(maxConcurrentSteps)
            .adaptiveConcurrency(taskDefaults.adaptiveConcurrency)
            .leaderElection(leaderElection)
            .leaseName(leaseName)
            .operatorNamespace(namespace)
            .egressAllow(egressAllow)
            .enableChaos(enableChaos)
            .identity(
                System.getenv().getOrDefault("POD_NAME", java.util.UUID.randomUUID().toString()))
            .exitOnLostLease(true)
            .breakersConfigMap(breakersConfigMap)
            .defaultPolicy(defaults.get())
            .secretPolicy(secretPolicy)
            .jobServiceAccounts(
                jobServiceAccounts.stream().map(String::strip).filter(a -> !a.isEmpty()).toList())
            .bodyLimits(bodies)
            .maxItems(taskDefaults.maxItems)
            .pricing(pricing.get())
            .tracing(tracing.get())
            .build();
    SteadfastOperator operator = new SteadfastOperator(client, config, Checkpoints.systemClock());
    HealthServer health =
        new HealthServer(metricsPort, healthPort, operator.metrics()::scrape, operator::ready)
            .start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  health.stop();
                  operator.close();
                  tracing.get().close(); // after the last attempts ended: their spans go too
                  client.close();
                }));
    operator.start();
    StartupWarmup.afterOperatorStart();
    new CountDownLatch(1).await();
    return 0;
  }
}
