package dev.steadfast.cli;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A byte count given as a number ({@code 786432}) or a Kubernetes quantity ({@code 768Ki}, {@code
 * 64Mi}), as chart values and resource limits are written.
 */
final class ByteSizeConverter implements ITypeConverter<Long> {
  @Override
  public Long convert(String value) {
    BigDecimal bytes;
    try {
      bytes = Quantity.getAmountInBytes(new Quantity(value.strip()));
    } catch (RuntimeException e) {
      throw new TypeConversionException(
          "'" + value + "' is not a size in bytes (e.g. 786432, 768Ki, 64Mi)");
    }
    if (bytes.signum() <= 0 || bytes.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
      throw new TypeConversionException(
          "'" + value + "' must be between 1 byte and " + Integer.MAX_VALUE + " bytes (2Gi - 1)");
    }
    return bytes.longValue();
  }
}
