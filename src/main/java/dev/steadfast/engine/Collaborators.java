package dev.steadfast.engine;

import dev.steadfast.api.Policy;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.ratelimit.EndpointLimits;
import java.time.Clock;
import java.util.random.RandomGenerator;

/**
 * What {@link TaskEngine} works with, wired by hand in one place: each collaborator is one rule of
 * docs/tasks.md (loop guards, fallbacks, breakers, tool calls, retries, rendering an attempt).
 */
record Collaborators(
    Clock clock,
    TaskRedactors redactors,
    StepStart steps,
    NextAttempt next,
    Outcomes outcomes,
    Ledger ledger,
    RateGate rates,
    SpecDigests digests) {

  /** The time and randomness the rules use, then the policy and the state shared across tasks. */
  static Collaborators wire(
      Clock clock,
      RandomGenerator random,
      Policy defaults,
      int maxItems,
      Breakers breakers,
      ResponseCache cache,
      Pricing pricing,
      EndpointLimits limits) {
    Ledger ledger = new Ledger(pricing);
    TaskPolicies policies = new TaskPolicies(defaults);
    Renderer templates = new Renderer();
    TaskRedactors redactors = new TaskRedactors();
    LoopDetector loops = new LoopDetector();
    TransientRetry retries = new TransientRetry(clock, random);
    BreakerGate gate = new BreakerGate(breakers, policies);
    RateGate rates = new RateGate(limits);
    ToolCalls tools = new ToolCalls(clock, gate, retries, loops, policies);
    AttemptRenderer renderer = new AttemptRenderer(templates, redactors, policies);
    FallbackChain fallbacks = new FallbackChain(cache, renderer);
    Outcomes outcomes =
        new Outcomes(clock, redactors, tools, gate, retries, loops, fallbacks, policies, ledger);
    return new Collaborators(
        clock,
        redactors,
        new StepStart(clock, templates, maxItems),
        new NextAttempt(clock, loops, fallbacks, tools, renderer, gate, rates, outcomes, ledger),
        outcomes,
        ledger,
        rates,
        new SpecDigests());
  }
}
