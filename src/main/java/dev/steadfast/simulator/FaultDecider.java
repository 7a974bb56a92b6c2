package dev.steadfast.simulator;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Turns a {@link FaultPlan} into one decision per request. Decisions depend only on the seed and
 * the order in which requests arrive, so a run can be replayed exactly.
 */
final class FaultDecider {
  /** What was decided for one request: its sequence number and the fault, or null for none. */
  record Decision(long sequence, FaultKind fault) {}

  private final FaultPlan plan;
  private final long seed;
  private final Map<String, Integer> callsPerModel = new HashMap<>();
  private Random random;
  private long sequence;
  private int calls;

  FaultDecider(FaultPlan plan, long seed) {
    this.plan = plan;
    this.seed = seed;
    this.random = new Random(seed);
  }

  /** Counts a call to {@code model} and decides its fault; schedules win over rates. */
  synchronized Decision next(String model) {
    sequence++;
    calls++;
    int callOfModel = callsPerModel.merge(model == null ? "" : model, 1, Integer::sum);
    // Drawn on every request, even when a schedule decides, so adding a schedule does not shift
    // which later requests the rates hit.
    double draw = random.nextDouble();
    for (FaultPlan.Schedule s : plan.schedules()) {
      int call = s.model() == null ? calls : s.model().equals(model) ? callOfModel : 0;
      if (s.covers(call)) {
        return new Decision(sequence, s.kind());
      }
    }
    double cumulative = 0;
    for (FaultPlan.Rate rate : plan.rates()) {
      cumulative += rate.probability();
      if (draw < cumulative) {
        return new Decision(sequence, rate.kind());
      }
    }
    return new Decision(sequence, null);
  }

  /** A sequence number for a request that takes no part in fault decisions (bad path). */
  synchronized long nextSequence() {
    return ++sequence;
  }

  /** Back to the state right after construction: counters cleared, random re-seeded. */
  synchronized void reset() {
    callsPerModel.clear();
    sequence = 0;
    calls = 0;
    random = new Random(seed);
  }
}
