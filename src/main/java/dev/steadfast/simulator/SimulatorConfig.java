package dev.steadfast.simulator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything an {@link LlmSimulator} is started with. Immutable; made with {@link
 * LlmSimulator#builder()}.
 *
 * @param port the port to listen on, 0 for an ephemeral one
 * @param faults the faults to inject
 * @param latency added before every answer
 * @param retryAfterSeconds the Retry-After of {@code 429} faults
 * @param seed the seed of fault rates
 * @param hangFor how long {@code timeout} faults hold a request (or until stop)
 * @param contextWindows per model, in tokens; the key null applies to every other model
 * @param toolScripts per model, the tools to call in order before answering
 * @param apiKey the key clients must present, or null for no check
 * @param requestLog a file to write each request to as a JSON line, or null
 * @param providerLimit the provider's own limit per API key (429 beyond it)
 */
public record SimulatorConfig(
    int port,
    FaultPlan faults,
    Duration latency,
    int retryAfterSeconds,
    long seed,
    Duration hangFor,
    Map<String, Integer> contextWindows,
    Map<String, List<String>> toolScripts,
    String apiKey,
    Path requestLog,
    ProviderLimit providerLimit) {

  /** The window quoted by an injected {@code context} fault for a model without its own. */
  public static final int DEFAULT_CONTEXT_WINDOW = 8192;

  public SimulatorConfig {
    Objects.requireNonNull(faults, "faults");
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(hangFor, "hangFor");
    providerLimit = providerLimit == null ? ProviderLimit.none() : providerLimit;
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    if (latency.isNegative() || hangFor.isNegative()) {
      throw new IllegalArgumentException("latency and hangFor must not be negative");
    }
    if (retryAfterSeconds < 0) {
      throw new IllegalArgumentException("retryAfterSeconds must not be negative");
    }
    // HashMap, not Map.copyOf: the null key stands for "every model".
    contextWindows = Collections.unmodifiableMap(new HashMap<>(contextWindows));
    Map<String, List<String>> scripts = new LinkedHashMap<>();
    toolScripts.forEach((model, tools) -> scripts.put(model, List.copyOf(tools)));
    toolScripts = Map.copyOf(scripts);
  }

  /** The context window of {@code model}, or null when requests to it are never too long. */
  Integer contextWindow(String model) {
    Integer window = contextWindows.get(model);
    return window != null ? window : contextWindows.get(null);
  }

  /** A validating builder; defaults: ephemeral port, no faults, no latency, seed 42. */
  public static final class Builder {
    private int port;
    private FaultPlan faults = FaultPlan.none();
    private Duration latency = Duration.ZERO;
    private int retryAfterSeconds = 1;
    private long seed = 42;
    private Duration hangFor = Duration.ofSeconds(30);
    private final Map<String, Integer> contextWindows = new HashMap<>();
    private final Map<String, List<String>> toolScripts = new LinkedHashMap<>();
    private String apiKey;
    private Path requestLog;
    private int limitConcurrent;
    private int limitPerSecond;

    Builder() {}

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Replaces the fault plan. */
    public Builder faults(FaultPlan faults) {
      this.faults = Objects.requireNonNull(faults, "faults");
      return this;
    }

    /** Adds a rate to the fault plan: each request gets {@code kind} with this probability. */
    public Builder rate(String kind, double probability) {
      faults = faults.rate(kind, probability);
      return this;
    }

    /** Adds a schedule: calls {@code from..to} to {@code model} (null: any model) get kind. */
    public Builder schedule(String kind, int from, int to, String model) {
      faults = faults.schedule(kind, from, to, model);
      return this;
    }

    public Builder latency(Duration latency) {
      this.latency = latency;
      return this;
    }

    public Builder retryAfterSeconds(int seconds) {
      this.retryAfterSeconds = seconds;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder hangFor(Duration hangFor) {
      this.hangFor = hangFor;
      return this;
    }

    /** Requests to {@code model} (null: any other model) above this many tokens get 400. */
    public Builder contextWindow(String model, int tokens) {
      if (tokens < 1) {
        throw new IllegalArgumentException("context window must be positive, got " + tokens);
      }
      contextWindows.put(model, tokens);
      return this;
    }

    /** {@code model} calls these tools in order, one per model call, then answers. */
    public Builder toolScript(String model, List<String> toolNames) {
      toolScripts.put(Objects.requireNonNull(model, "model"), List.copyOf(toolNames));
      return this;
    }

    /** Requests must present this key (Bearer or x-api-key), else they get 401. */
    public Builder requireApiKey(String key) {
      this.apiKey = key;
      return this;
    }

    /** Also writes each request to this file, one JSON line each, truncated at start. */
    public Builder requestLog(Path file) {
      this.requestLog = file;
      return this;
    }

    /**
     * The provider's own limit per API key: at most {@code n} requests of one key served at once;
     * more get 429 with Retry-After (0: no limit).
     */
    public Builder limitConcurrent(int n) {
      this.limitConcurrent = n;
      return this;
    }

    /** The provider's own limit per API key: at most {@code n} requests a second (0: no limit). */
    public Builder limitPerSecond(int n) {
      this.limitPerSecond = n;
      return this;
    }

    public SimulatorConfig config() {
      return new SimulatorConfig(
          port,
          faults,
          latency,
          retryAfterSeconds,
          seed,
          hangFor,
          contextWindows,
          toolScripts,
          apiKey,
          requestLog,
          new ProviderLimit(limitConcurrent, limitPerSecond));
    }

    /** A simulator with this configuration, not yet started. */
    public LlmSimulator build() {
      return new LlmSimulator(config());
    }
  }

  /** Never prints the API key. */
  @Override
  public String toString() {
    return "SimulatorConfig[port="
        + port
        + ", faults="
        + faults
        + ", latency="
        + latency
        + ", seed="
        + seed
        + ", apiKey="
        + (apiKey == null ? "none" : "***")
        + "]";
  }
}
