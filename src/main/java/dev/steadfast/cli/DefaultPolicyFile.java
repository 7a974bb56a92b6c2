package dev.steadfast.cli;

import dev.steadfast.api.Policy;
import dev.steadfast.engine.policy.DefaultPolicy;
import dev.steadfast.engine.policy.EffectivePolicy;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/** The {@code --default-policy FILE} option of `steadfast operator` and `steadfast run`. */
final class DefaultPolicyFile {
  private DefaultPolicyFile() {}

  /**
   * The defaults tasks merge over: the built-in ones without a file, the file merged over them
   * otherwise; empty after printing each problem with its field when the file is not a Policy.
   */
  static Optional<Policy> load(Path file, PrintWriter err) {
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
