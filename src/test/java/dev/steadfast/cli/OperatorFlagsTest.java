package dev.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Flags of `steadfast operator` refused before anything starts: exit 2, the flag named. */
class OperatorFlagsTest {
  @Test
  void anUnknownSecretPolicyIsAUsageError() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream before = System.err;
    int code;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      code = Main.execute("operator", "--secret-policy", "closed");
    } finally {
      System.setErr(before);
    }
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--secret-policy")
        .contains("annotated or open")
        .contains("closed");
  }

  static String usageError(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream before = System.err;
    int code;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      code = Main.execute(args);
    } finally {
      System.setErr(before);
    }
    assertThat(code).isEqualTo(2);
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aSizeThatIsNotOneIsAUsageErrorNamingTheFlag() {
    assertThat(usageError("operator", "--max-response-bytes", "lots"))
        .contains("--max-response-bytes")
        .contains("768Ki");
    assertThat(usageError("run", "task.yaml", "--max-response-bytes", "0"))
        .contains("--max-response-bytes");
  }

  @Test
  void aBodyLimitOverTheInFlightBudgetIsRefusedBeforeAnythingStarts() {
    assertThat(
            usageError("operator", "--max-response-bytes", "2Mi", "--max-bytes-in-flight", "1Mi"))
        .contains("--max-response-bytes (2097152)")
        .contains("--max-bytes-in-flight (1048576)");
  }

  @Test
  void sizesAreBytesOrQuantities() {
    ByteSizeConverter sizes = new ByteSizeConverter();
    assertThat(sizes.convert("786432")).isEqualTo(786432L);
    assertThat(sizes.convert("768Ki")).isEqualTo(786432L);
    assertThat(sizes.convert("64Mi")).isEqualTo(64L * 1024 * 1024);
  }

  @Test
  void maxItemsAndMaxConcurrentStepsBelowOneAreUsageErrors() {
    for (String flag : new String[] {"--max-items", "--max-concurrent-steps"}) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      PrintStream before = System.err;
      int code;
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      try {
        code = Main.execute("operator", flag, "0");
      } finally {
        System.setErr(before);
      }
      assertThat(code).as(flag).isEqualTo(2);
      assertThat(err.toString(StandardCharsets.UTF_8)).contains(flag + " must be at least 1");
    }
  }

  @Test
  void theSecretFlagsAreDocumentedInTheHelp() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream before = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      assertThat(Main.execute("operator", "--help")).isZero();
    } finally {
      System.setOut(before);
    }
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("--secret-policy")
        .contains("steadfast.dev/allowed-hosts")
        .contains("--job-service-accounts")
        .contains("--max-items");
  }
}
