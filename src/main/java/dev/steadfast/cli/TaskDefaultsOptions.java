package dev.steadfast.cli;

import dev.steadfast.api.Policy;
import dev.steadfast.engine.ItemLimit;
import dev.steadfast.engine.Pricing;
import dev.steadfast.engine.policy.DefaultPolicy;
import dev.steadfast.engine.policy.EffectivePolicy;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * What every task runs under, whichever driver runs it: the default Policy and the bounds on
 * forEach items and response bodies. `steadfast operator` and `steadfast run` mix these options in,
 * so a task runs locally under the cluster's defaults and bounds.
 */
final class TaskDefaultsOptions {
  @Option(
      names = "--default-policy",
      paramLabel = "FILE",
      description =
          "YAML Policy (the shape of spec.policy) merged over the built-in defaults; every task's"
              + " policy is merged over it. `run` and `operator` take the same file.")
  Path defaultPolicy;

  @Option(
      names = "--adaptive-concurrency",
      arity = "1",
      defaultValue = "true",
      paramLabel = "BOOL",
      description =
          "Pace model calls per provider key (endpoint host and API-key Secret): a 429 halves the"
              + " key's concurrency limit, successes raise it again, and attempts over it wait"
              + " (Waiting, RateLimited) without spending an attempt (default ${DEFAULT-VALUE}).")
  boolean adaptiveConcurrency = true;

  @Option(
      names = "--max-items",
      defaultValue = "" + ItemLimit.DEFAULT,
      description =
          "The most items a forEach step may have; a longer list fails the step InvalidSpec"
              + " (default ${DEFAULT-VALUE}).")
  int maxItems;

  @Option(
      names = "--max-response-bytes",
      defaultValue = "786432",
      converter = ByteSizeConverter.class,
      description =
          "Longest response body an http, llm or agent call may return, in bytes or as a quantity"
              + " (768Ki); read only up to it, a longer one fails the attempt OutputTooLarge"
              + " (default ${DEFAULT-VALUE}, 768 KiB).")
  long maxResponseBytes;

  @Option(
      names = "--pricing",
      paramLabel = "FILE",
      description =
          "YAML price table {<model or glob>: {input: <price per 1M tokens>, output: <price per 1M"
              + " tokens>}}: the cost of the tokens providers report, in status.usage.cost and"
              + " spec.budget.maxCost. Without it (or for a model it does not price) cost is"
              + " absent.")
  Path pricing;

  /** The price table of --pricing; empty after printing the problem (a usage error, exit 2). */
  Optional<Pricing> pricing(PrintWriter err) {
    if (pricing == null) {
      return Optional.of(Pricing.NONE);
    }
    try {
      return Optional.of(Pricing.load(pricing));
    } catch (Pricing.InvalidPricingException e) {
      err.println("--pricing " + pricing + ": " + e.getMessage());
      err.flush();
      return Optional.empty();
    }
  }

  /** False after printing why, when --max-items is below 1 (a usage error, exit 2). */
  boolean itemsValid(PrintWriter err) {
    if (maxItems >= 1) {
      return true;
    }
    err.println("--max-items must be at least 1, got " + maxItems);
    err.flush();
    return false;
  }

  /**
   * The defaults tasks merge over: the built-in ones without a file, the file merged over them
   * otherwise; empty after printing each problem with its field when the file is not a Policy.
   */
  Optional<Policy> defaultPolicy(PrintWriter err) {
    Path file = defaultPolicy;
    if (file == null) {
      return Optional.of(EffectivePolicy.defaults());
    }
    try {
      return Optional.of(DefaultPolicy.load(file));
    } catch (DefaultPolicy.InvalidPolicyException e) {
      e.problems().forEach(p -> err.println("--default-policy " + file + ": " + p));
    } catch (UncheckedIOException e) {
      err.println("--default-policy " + file + ": cannot read: " + e.getCause().getMessage());
    }
    err.flush();
    return Optional.empty();
  }
}
