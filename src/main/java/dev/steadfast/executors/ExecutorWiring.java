package dev.steadfast.executors;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.llm.OutputValidator;
import dev.steadfast.engine.ratelimit.EndpointLimits;
import dev.steadfast.executors.classify.Classifier;
import dev.steadfast.executors.egress.EgressPolicy;
import dev.steadfast.executors.egress.EgressResolver;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * The executors both drivers run attempts on, wired in one place so `steadfast run` and the
 * operator cannot drift apart: one transport carries every http, llm and agent-tool call, so one
 * egress policy decides them all, on the address each connection is made to; a task's
 * steadfast.dev/chaos faults wrap them when chaos is enabled.
 */
public final class ExecutorWiring implements AutoCloseable {
  /**
   * What differs between the drivers.
   *
   * @param egress where connections may go (docs/security.md): open locally, internal addresses
   *     denied in a cluster
   * @param maxResponseBytes {@code --max-response-bytes}: a longer body fails the attempt
   * @param maxBytesInFlight {@code --max-bytes-in-flight}: response bytes buffered at once
   * @param chaosEnabled a task's steadfast.dev/chaos annotation is honoured
   */
  public record Settings(
      EgressPolicy egress, int maxResponseBytes, long maxBytesInFlight, boolean chaosEnabled) {

    /** `steadfast run`: the user's own machine and network, so no egress policy. */
    public static Settings local(int maxResponseBytes, boolean chaosEnabled) {
      return new Settings(
          EgressPolicy.open(),
          maxResponseBytes,
          Math.max(maxResponseBytes, BytesInFlight.DEFAULT_BYTES),
          chaosEnabled);
    }
  }

  private final Executor shared;
  private final boolean chaosEnabled;
  private final HttpTransport http;

  private ExecutorWiring(Executor shared, boolean chaosEnabled, HttpTransport http) {
    this.shared = shared;
    this.chaosEnabled = chaosEnabled;
    this.http = http;
  }

  /** Closes the shared HTTP client (its connections and I/O threads); for a stopping driver. */
  @Override
  public void close() {
    http.close();
  }

  /**
   * The http, llm and agent executors, plus those only one driver has (the operator's jobs).
   *
   * @param secrets where secret values come from; no redactor here: each attempt brings its task's
   *     (AttemptRequest.redactor())
   * @throws IllegalArgumentException when one body may be larger than the in-flight budget
   */
  public static ExecutorWiring forDriver(
      Clock clock,
      Settings settings,
      Secrets secrets,
      Map<Class<? extends Call>, Executor> driverOnly) {
    return forDriver(clock, settings, secrets, driverOnly, null);
  }

  /**
   * As above, with the process's adaptive concurrency limits (null: off), which llm replies tell
   * what the provider says about its limit.
   */
  public static ExecutorWiring forDriver(
      Clock clock,
      Settings settings,
      Secrets secrets,
      Map<Class<? extends Call>, Executor> driverOnly,
      EndpointLimits limits) {
    HttpTransport http =
        new HttpTransport(
            settings.egress(),
            EgressResolver.SYSTEM,
            settings.maxResponseBytes(),
            new BytesInFlight(settings.maxBytesInFlight()));
    Classifier classifier = new Classifier(clock);
    LlmExecutor llm =
        new LlmExecutor(
            http, secrets, classifier, new OutputValidator(), new RateHeaders(limits, clock));
    Map<Class<? extends Call>, Executor> byKind = new HashMap<>(driverOnly);
    byKind.put(Call.HttpCall.class, new HttpExecutor(http, secrets, classifier));
    byKind.put(Call.LlmCall.class, llm);
    byKind.put(Call.AgentCall.class, new AgentExecutor(llm));
    return new ExecutorWiring(new Dispatcher(byKind), settings.chaosEnabled(), http);
  }

  /** The executors every task shares. */
  public Executor shared() {
    return shared;
  }

  /** The task's steadfast.dev/chaos annotation when chaos is enabled, else null. */
  public String chaos(Map<String, String> annotations) {
    return chaosEnabled && annotations != null ? annotations.get(AgentTask.CHAOS_ANNOTATION) : null;
  }

  /**
   * The executor for a task's attempts: the shared one, with the task's chaos faults if any.
   *
   * @throws IllegalArgumentException when the chaos annotation cannot be read
   */
  public Executor forTask(Map<String, String> annotations) {
    String chaos = chaos(annotations);
    return chaos == null ? shared : ChaosExecutor.wrap(shared, chaos, new SecureRandom());
  }
}
