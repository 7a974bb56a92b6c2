package dev.steadfast.executors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.Reason;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Fault injection at the executor boundary (docs/cli.md): with the steadfast.dev/chaos annotation,
 * a share of attempts fails before the real call with one of the listed faults, so users can see
 * their policies heal each kind of failure.
 *
 * <p>Each attempt's draw comes from the annotation's {@code seed} and the attempt's identity (step,
 * item, attempt number; not the task uid, which differs between runs), never from a shared
 * sequence: the same seeded task meets the same faults at the same attempts however its attempts
 * interleave, across operator restarts and resumed runs.
 */
public final class ChaosExecutor implements Executor {
  public static final List<String> FAULTS =
      List.of("timeout", "network", "429", "500", "401", "context", "invalid-output");

  /**
   * Faults only a model call can meet: no policy of an http step (or agent tool) can heal them, so
   * injecting them there would only show a failure the real world never produces.
   */
  static final List<String> MODEL_ONLY = List.of("context", "invalid-output");

  private final Executor delegate;
  private final double rate;
  private final List<String> faults;
  private final long seed;

  private ChaosExecutor(Executor delegate, double rate, List<String> faults, long seed) {
    this.delegate = delegate;
    this.rate = rate;
    this.faults = faults;
    this.seed = seed;
  }

  /**
   * Wraps an executor with the faults of an annotation value such as {@code {"rate": 0.3, "faults":
   * ["timeout","429"], "seed": 42}}. Without a seed, one is drawn from {@code random}.
   *
   * @throws IllegalArgumentException naming what is wrong with the annotation
   */
  public static Executor wrap(Executor delegate, String annotation, RandomGenerator random) {
    JsonNode spec;
    try {
      spec = Json.MAPPER.readTree(annotation);
    } catch (Exception e) {
      throw new IllegalArgumentException("steadfast.dev/chaos is not JSON: " + e.getMessage());
    }
    if (spec == null || !spec.isObject()) {
      throw new IllegalArgumentException("steadfast.dev/chaos must be a JSON object");
    }
    double rate = spec.path("rate").asDouble(-1);
    if (rate < 0 || rate > 1) {
      throw new IllegalArgumentException("steadfast.dev/chaos: rate must be between 0 and 1");
    }
    JsonNode seedNode = spec.path("seed");
    if (!seedNode.isMissingNode() && !seedNode.isIntegralNumber()) {
      throw new IllegalArgumentException("steadfast.dev/chaos: seed must be an integer");
    }
    List<String> faults = new ArrayList<>();
    JsonNode list = spec.path("faults");
    if (list.isMissingNode()) {
      faults.addAll(FAULTS);
    }
    for (JsonNode f : list) {
      if (!FAULTS.contains(f.asText())) {
        throw new IllegalArgumentException(
            "steadfast.dev/chaos: unknown fault " + f + "; known: " + FAULTS);
      }
      faults.add(f.asText());
    }
    long seed = seedNode.isMissingNode() ? random.nextLong() : seedNode.asLong();
    return faults.isEmpty()
        ? delegate
        : new ChaosExecutor(delegate, rate, List.copyOf(faults), seed);
  }

  @Override
  public Outcome execute(AttemptRequest request) {
    List<String> fitting = fitting(request.call());
    if (fitting.isEmpty()) {
      return delegate.execute(request);
    }
    SplittableRandom draw = new SplittableRandom(mix(seed, attemptId(request.idempotencyKey())));
    if (draw.nextDouble() >= rate) {
      return delegate.execute(request);
    }
    String fault = fitting.get(draw.nextInt(fitting.size()));
    String msg = "injected by steadfast.dev/chaos: " + fault;
    Failure f =
        switch (fault) {
          case "timeout" -> Failure.of(Tier.Transient, Reason.Timeout.name(), msg);
          case "network" -> Failure.of(Tier.Transient, Reason.NetworkError.name(), msg);
          case "429" ->
              new Failure(
                  Tier.Transient, Reason.RateLimited.name(), msg, 429, Duration.ofSeconds(1));
          case "500" -> new Failure(Tier.Transient, Reason.ServerError.name(), msg, 500, null);
          case "401" -> new Failure(Tier.Fatal, Reason.Unauthorized.name(), msg, 401, null);
          case "context" ->
              new Failure(Tier.Recoverable, Reason.ContextOverflow.name(), msg, 400, null);
          default -> Failure.of(Tier.Recoverable, Reason.InvalidOutput.name(), msg);
        };
    return new Outcome.Failed(f, "invalid-output".equals(fault) ? "{\"chaos\": " : null);
  }

  /** The listed faults that this kind of call can meet in the real world. */
  private List<String> fitting(Call call) {
    boolean model = call instanceof Call.LlmCall || call instanceof Call.AgentCall;
    return model ? faults : faults.stream().filter(f -> !MODEL_ONLY.contains(f)).toList();
  }

  /**
   * The attempt's identity without the run id: {@code <task uid>/<step>/<item>/<attempt>} loses its
   * first part, so a rerun of the same task (a new uid or local run id) draws the same faults.
   */
  static String attemptId(String idempotencyKey) {
    if (idempotencyKey == null) {
      return "";
    }
    int slash = idempotencyKey.indexOf('/');
    return slash < 0 ? idempotencyKey : idempotencyKey.substring(slash + 1);
  }

  private static long mix(long seed, String attempt) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(ByteBuffer.allocate(Long.BYTES).putLong(seed).array());
      sha.update(attempt.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(sha.digest()).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}
