package dev.steadfast.bench;

import dev.steadfast.engine.exec.Redactor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * How long masking a 768 KiB body (--max-response-bytes) takes with 1, 10 and 50 registered secrets
 * that share a prefix, as API keys do (each value registers ~30 spellings), and how long
 * registering them takes.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.steadfast.bench.RedactorBenchmark}
 */
public final class RedactorBenchmark {
  public static void main(String[] args) {
    for (int secrets : new int[] {1, 10, 50}) {
      Random random = new Random(1);
      List<String> values = new ArrayList<>();
      for (int i = 0; i < secrets; i++) {
        values.add("sk-" + Long.toHexString(random.nextLong()) + "/x+y=" + i);
      }
      long r0 = System.nanoTime();
      Redactor redactor = new Redactor();
      values.forEach(redactor::register);
      long registered = System.nanoTime() - r0;
      StringBuilder b = new StringBuilder();
      while (b.length() < 768 * 1024) {
        b.append("{\"id\":").append(random.nextInt()).append(",\"title\":\"lorem sk-abc dolor\"},");
        if (random.nextInt(500) == 0) {
          b.append(values.get(0));
        }
      }
      String body = b.toString();
      for (int i = 0; i < 20; i++) {
        redactor.redact(body); // warm-up
      }
      int rounds = 50;
      long t0 = System.nanoTime();
      for (int i = 0; i < rounds; i++) {
        redactor.redact(body);
      }
      double ms = (System.nanoTime() - t0) / 1e6 / rounds;
      System.out.printf(
          "%2d secrets: %.2f ms per 768 KiB body (%.0f MB/s); registering them %.1f ms%n",
          secrets, ms, body.length() / ms / 1000, registered / 1e6);
    }
  }
}
