package dev.steadfast.engine.exec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Fault injection at the executor boundary (SPEC §4): with the steadfast.dev/chaos annotation, a
 * share of attempts fails before the real call with one of the listed faults, so users can see
 * their policies heal each kind of failure.
 */
public final class ChaosExecutor implements Executor {
  public static final List<String> FAULTS =
      List.of("timeout", "network", "429", "500", "401", "context", "invalid-output");

  private final Executor delegate;
  private final double rate;
  private final List<String> faults;
  private final RandomGenerator random;

  private ChaosExecutor(
      Executor delegate, double rate, List<String> faults, RandomGenerator random) {
    this.delegate = delegate;
    this.rate = rate;
    this.faults = faults;
    this.random = random;
  }

  /**
   * Wraps an executor with the faults of an annotation value such as {@code {"rate": 0.3, "faults":
   * ["timeout","429"]}}.
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
    double rate = spec.path("rate").asDouble(-1);
    if (rate < 0 || rate > 1) {
      throw new IllegalArgumentException("steadfast.dev/chaos: rate must be between 0 and 1");
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
    return faults.isEmpty()
        ? delegate
        : new ChaosExecutor(delegate, rate, List.copyOf(faults), random);
  }

  @Override
  public Outcome execute(AttemptRequest request) {
    if (random.nextDouble() >= rate) {
      return delegate.execute(request);
    }
    String fault = faults.get(random.nextInt(faults.size()));
    String msg = "injected by steadfast.dev/chaos: " + fault;
    Failure f =
        switch (fault) {
          case "timeout" -> Failure.of(Tier.Transient, "Timeout", msg);
          case "network" -> Failure.of(Tier.Transient, "NetworkError", msg);
          case "429" -> new Failure(Tier.Transient, "RateLimited", msg, 429, Duration.ofSeconds(1));
          case "500" -> new Failure(Tier.Transient, "ServerError", msg, 500, null);
          case "401" -> new Failure(Tier.Fatal, "Unauthorized", msg, 401, null);
          case "context" -> new Failure(Tier.Recoverable, "ContextOverflow", msg, 400, null);
          default -> Failure.of(Tier.Recoverable, "InvalidOutput", msg);
        };
    return new Outcome.Failed(f, "invalid-output".equals(fault) ? "{\"chaos\": " : null);
  }
}
