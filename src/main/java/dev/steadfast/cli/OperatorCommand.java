package dev.steadfast.cli;

import dev.steadfast.engine.validation.TaskValidator;
import dev.steadfast.operator.AgentTaskReconciler;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `steadfast operator`: runs the operator with in-cluster config or the current kubeconfig. */
@Command(
    name = "operator",
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

  @Option(names = "--leader-election", description = "Use a Lease so only one replica runs steps.")
  boolean leaderElection;

  @Option(
      names = "--metrics-port",
      defaultValue = "8080",
      description = "Prometheus /metrics port.")
  int metricsPort;

  @Option(
      names = "--health-port",
      defaultValue = "8081",
      description = "/healthz and /readyz port.")
  int healthPort;

  @Option(
      names = "--egress-allow",
      split = ",",
      description = "Host globs that http, llm and agent steps may reach.")
  List<String> egressAllow = List.of();

  @Option(names = "--enable-chaos", description = "Honour the steadfast.dev/chaos annotation.")
  boolean enableChaos;

  @Override
  public Integer call() throws InterruptedException {
    Operator operator =
        new Operator(
            o ->
                o.withUseSSAToPatchPrimaryResource(false)
                    .withStopOnInformerErrorDuringStartup(true));
    operator.register(
        new AgentTaskReconciler(TaskValidator.bundled(), Clock.systemUTC()),
        c -> {
          if (!namespaces.isEmpty()) {
            c.settingNamespaces(new HashSet<>(namespaces));
          }
        });
    operator.installShutdownHook(java.time.Duration.ofSeconds(10));
    operator.start();
    new CountDownLatch(1).await();
    return 0;
  }
}
