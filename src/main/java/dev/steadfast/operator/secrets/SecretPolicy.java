package dev.steadfast.operator.secrets;

import java.util.Locale;

/**
 * {@code --secret-policy} (docs/security.md): whether a Secret must opt in, by its annotations, to
 * being sent to a host or put into a job's environment. {@code open} is for single-team clusters.
 */
public enum SecretPolicy {
  ANNOTATED,
  OPEN;

  /**
   * @throws IllegalArgumentException naming the flag and the accepted values
   */
  public static SecretPolicy parse(String value) {
    String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "annotated" -> ANNOTATED;
      case "open" -> OPEN;
      default ->
          throw new IllegalArgumentException(
              "--secret-policy must be annotated or open, not \"" + value + "\"");
    };
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
