package dev.steadfast.operator;

import dev.steadfast.api.Policy;
import dev.steadfast.engine.ItemLimit;
import dev.steadfast.engine.Pricing;
import dev.steadfast.engine.policy.EffectivePolicy;
import dev.steadfast.executors.BytesInFlight;
import dev.steadfast.executors.HttpTransport;
import dev.steadfast.operator.secrets.SecretPolicy;
import dev.steadfast.tracing.Tracing;
import java.util.List;
import java.util.UUID;

/**
 * Settings of `steadfast operator`, one per flag. Built with {@link #builder()}: every setting has
 * the flag's default, so a caller names only what it changes.
 *
 * @param namespaces watched namespaces; empty watches all
 * @param operatorNamespace where the Lease and the breakers ConfigMap live
 * @param identity this replica's name in the Lease
 * @param exitOnLostLease halt the process when the Lease is lost (the CLI does; tests do not)
 * @param tracing --otlp-endpoint: the spans of tasks, steps and attempts (docs/tracing.md); off by
 *     default. Its owner (the CLI) closes it after the operator.
 * @param checkTasksUnchanged tests: remember each task as it was handed to a reconcile, so that
 *     {@link SteadfastOperator#changedTasks()} can tell whether anything changed one (see {@link
 *     SharedTasks}); off in the CLI
 */
public record OperatorConfig(
    List<String> namespaces,
    int maxConcurrentSteps,
    boolean leaderElection,
    String leaseName,
    String operatorNamespace,
    List<String> egressAllow,
    boolean enableChaos,
    String identity,
    boolean exitOnLostLease,
    String breakersConfigMap,
    Policy defaultPolicy,
    SecretPolicy secretPolicy,
    List<String> jobServiceAccounts,
    BodyLimits bodyLimits,
    int maxItems,
    Pricing pricing,
    boolean adaptiveConcurrency,
    Tracing tracing,
    boolean checkTasksUnchanged) {

  public static Builder builder() {
    return new Builder();
  }

  /**
   * --max-response-bytes and --max-bytes-in-flight (docs/security.md "Bounded work").
   *
   * @throws IllegalArgumentException when one body could be larger than the whole budget
   */
  public record BodyLimits(int maxResponseBytes, long maxBytesInFlight) {
    public static final BodyLimits DEFAULTS =
        new BodyLimits(HttpTransport.DEFAULT_MAX_RESPONSE_BYTES, BytesInFlight.DEFAULT_BYTES);

    public BodyLimits {
      if (maxResponseBytes < 1) {
        throw new IllegalArgumentException("--max-response-bytes must be at least 1 byte");
      }
      if (maxResponseBytes > maxBytesInFlight) {
        throw new IllegalArgumentException(
            "--max-response-bytes ("
                + maxResponseBytes
                + ") must not be larger than --max-bytes-in-flight ("
                + maxBytesInFlight
                + "): one body could never be read");
      }
    }
  }

  /** Starts from the defaults of `steadfast operator`'s flags. */
  public static final class Builder {
    private List<String> namespaces = List.of();
    private int maxConcurrentSteps = 64;
    private boolean adaptiveConcurrency = true;
    private boolean leaderElection;
    private String leaseName = "steadfast-operator";
    private String operatorNamespace = "default";
    private List<String> egressAllow = List.of();
    private boolean enableChaos;
    private String identity = UUID.randomUUID().toString();
    private boolean exitOnLostLease;
    private String breakersConfigMap = ConfigMapBreakerStore.DEFAULT_NAME;
    private Policy defaultPolicy = EffectivePolicy.defaults();
    private SecretPolicy secretPolicy = SecretPolicy.ANNOTATED;
    private List<String> jobServiceAccounts = List.of();
    private BodyLimits bodyLimits = BodyLimits.DEFAULTS;
    private int maxItems = ItemLimit.DEFAULT;
    private Pricing pricing = Pricing.NONE;
    private Tracing tracing = Tracing.OFF;
    private boolean checkTasksUnchanged;

    private Builder() {}

    public Builder namespaces(List<String> namespaces) {
      this.namespaces = List.copyOf(namespaces);
      return this;
    }

    public Builder namespaces(String... namespaces) {
      return namespaces(List.of(namespaces));
    }

    public Builder maxConcurrentSteps(int maxConcurrentSteps) {
      this.maxConcurrentSteps = maxConcurrentSteps;
      return this;
    }

    public Builder leaderElection(boolean leaderElection) {
      this.leaderElection = leaderElection;
      return this;
    }

    public Builder leaseName(String leaseName) {
      this.leaseName = leaseName;
      return this;
    }

    public Builder operatorNamespace(String operatorNamespace) {
      this.operatorNamespace = operatorNamespace;
      return this;
    }

    public Builder egressAllow(List<String> egressAllow) {
      this.egressAllow = List.copyOf(egressAllow);
      return this;
    }

    public Builder enableChaos(boolean enableChaos) {
      this.enableChaos = enableChaos;
      return this;
    }

    public Builder identity(String identity) {
      this.identity = identity;
      return this;
    }

    public Builder exitOnLostLease(boolean exitOnLostLease) {
      this.exitOnLostLease = exitOnLostLease;
      return this;
    }

    public Builder breakersConfigMap(String breakersConfigMap) {
      this.breakersConfigMap = breakersConfigMap;
      return this;
    }

    public Builder defaultPolicy(Policy defaultPolicy) {
      this.defaultPolicy = defaultPolicy;
      return this;
    }

    public Builder secretPolicy(SecretPolicy secretPolicy) {
      this.secretPolicy = secretPolicy;
      return this;
    }

    public Builder jobServiceAccounts(List<String> jobServiceAccounts) {
      this.jobServiceAccounts = List.copyOf(jobServiceAccounts);
      return this;
    }

    public Builder bodyLimits(BodyLimits bodyLimits) {
      this.bodyLimits = bodyLimits;
      return this;
    }

    public Builder maxItems(int maxItems) {
      this.maxItems = maxItems;
      return this;
    }

    /** The price table of --pricing, turning reported token usage into cost. */
    public Builder pricing(Pricing pricing) {
      this.pricing = pricing;
      return this;
    }

    /** --adaptive-concurrency: pace model calls per provider key (on by default). */
    public Builder adaptiveConcurrency(boolean adaptiveConcurrency) {
      this.adaptiveConcurrency = adaptiveConcurrency;
      return this;
    }

    /** --otlp-endpoint: traces (off by default). */
    public Builder tracing(Tracing tracing) {
      this.tracing = tracing;
      return this;
    }

    /** Tests: check that no reconcile changes the task it is handed (off by default). */
    public Builder checkTasksUnchanged(boolean checkTasksUnchanged) {
      this.checkTasksUnchanged = checkTasksUnchanged;
      return this;
    }

    public OperatorConfig build() {
      return new OperatorConfig(
          namespaces,
          maxConcurrentSteps,
          leaderElection,
          leaseName,
          operatorNamespace,
          egressAllow,
          enableChaos,
          identity,
          exitOnLostLease,
          breakersConfigMap,
          defaultPolicy,
          secretPolicy,
          jobServiceAccounts,
          bodyLimits,
          maxItems,
          pricing,
          adaptiveConcurrency,
          tracing,
          checkTasksUnchanged);
    }
  }
}
