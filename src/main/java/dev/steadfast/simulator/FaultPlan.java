package dev.steadfast.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Which faults to inject, by rate and by schedule. Immutable: {@link #rate} and {@link #schedule}
 * return a new plan. The state that turns a plan into decisions lives in {@link FaultDecider}, so
 * one plan can drive several simulators identically.
 */
public final class FaultPlan {
  /** Each request gets {@code kind} with this probability (0..1). */
  public record Rate(FaultKind kind, double probability) {
    public Rate {
      Objects.requireNonNull(kind, "kind");
      if (!(probability >= 0 && probability <= 1)) {
        throw new IllegalArgumentException(
            "rate for " + kind + " must be within 0..1, got " + probability);
      }
    }

    @Override
    public String toString() {
      return kind + ":" + probability;
    }
  }

  /**
   * Calls {@code from..to} (1-based, inclusive) get {@code kind}; counted per {@code model}, or
   * across all models when model is null.
   */
  public record Schedule(FaultKind kind, int from, int to, String model) {
    public Schedule {
      Objects.requireNonNull(kind, "kind");
      if (from < 1 || to < from) {
        throw new IllegalArgumentException(
            "schedule for " + kind + " needs 1 <= from <= to, got " + from + "-" + to);
      }
    }

    boolean covers(int call) {
      return call >= from && call <= to;
    }

    @Override
    public String toString() {
      return kind + "@" + from + (to == from ? "" : "-" + to) + (model == null ? "" : "/" + model);
    }
  }

  private static final FaultPlan NONE = new FaultPlan(List.of(), List.of());

  private final List<Rate> rates;
  private final List<Schedule> schedules;

  private FaultPlan(List<Rate> rates, List<Schedule> schedules) {
    this.rates = List.copyOf(rates);
    this.schedules = List.copyOf(schedules);
    double total = this.rates.stream().mapToDouble(Rate::probability).sum();
    if (total > 1.0 + 1e-9) {
      throw new IllegalArgumentException("fault rates add up to " + total + ", more than 1");
    }
    if (this.rates.stream().map(Rate::kind).distinct().count() != this.rates.size()) {
      throw new IllegalArgumentException("a fault kind has more than one rate: " + this.rates);
    }
  }

  /** A plan that injects nothing. */
  public static FaultPlan none() {
    return NONE;
  }

  /**
   * Parses the CLI form, e.g. {@code 429:0.2,timeout:0.1,500@1-2,401@3/gpt-4o}: {@code KIND:RATE}
   * is a rate, {@code KIND@N[-M][/MODEL]} a schedule. Null or blank means no faults.
   *
   * @throws IllegalArgumentException naming the first entry that cannot be understood
   */
  public static FaultPlan parse(String spec) {
    FaultPlan plan = NONE;
    if (spec == null || spec.isBlank()) {
      return plan;
    }
    for (String raw : spec.split(",")) {
      String entry = raw.trim();
      try {
        plan = plan.with(entry);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "invalid fault entry '" + entry + "': " + e.getMessage(), e);
      }
    }
    return plan;
  }

  private FaultPlan with(String entry) {
    // '@' is checked first: a model name after '/' may itself contain ':' (llama3:8b).
    int at = entry.indexOf('@');
    if (at >= 0) {
      String kind = entry.substring(0, at);
      String rest = entry.substring(at + 1);
      String model = null;
      int slash = rest.indexOf('/');
      if (slash >= 0) {
        model = rest.substring(slash + 1);
        rest = rest.substring(0, slash);
        if (model.isEmpty()) {
          throw new IllegalArgumentException("empty model after '/'");
        }
      }
      int dash = rest.indexOf('-');
      int from = number(dash < 0 ? rest : rest.substring(0, dash));
      int to = dash < 0 ? from : number(rest.substring(dash + 1));
      return schedule(kind, from, to, model);
    }
    int colon = entry.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("expected KIND:RATE or KIND@N[-M][/MODEL]");
    }
    String value = entry.substring(colon + 1);
    try {
      return rate(entry.substring(0, colon), Double.parseDouble(value));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("rate '" + value + "' is not a number");
    }
  }

  private static int number(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("call number '" + text + "' is not an integer");
    }
  }

  /** A copy of this plan that also injects {@code kind} with the given probability. */
  public FaultPlan rate(String kind, double probability) {
    List<Rate> more = new ArrayList<>(rates);
    more.add(new Rate(FaultKind.of(kind), probability));
    return new FaultPlan(more, schedules);
  }

  /** A copy of this plan where calls {@code from..to} to {@code model} (null: any) get kind. */
  public FaultPlan schedule(String kind, int from, int to, String model) {
    List<Schedule> more = new ArrayList<>(schedules);
    more.add(new Schedule(FaultKind.of(kind), from, to, model));
    return new FaultPlan(rates, more);
  }

  public List<Rate> rates() {
    return rates;
  }

  public List<Schedule> schedules() {
    return schedules;
  }

  public boolean isEmpty() {
    return rates.isEmpty() && schedules.isEmpty();
  }

  /** The plan in the form {@link #parse} reads, so it can be printed and replayed. */
  @Override
  public String toString() {
    return Stream.concat(rates.stream(), schedules.stream())
        .map(Object::toString)
        .collect(Collectors.joining(","));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FaultPlan other
        && rates.equals(other.rates)
        && schedules.equals(other.schedules);
  }

  @Override
  public int hashCode() {
    return Objects.hash(rates, schedules);
  }
}
