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
