package dev.steadfast.executors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.exec.Outcome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An executor's bug: a retryable failure, logged so it can be found, never with what it held. */
class DispatcherTest {
  static final String CANARY = "sk-dispatcher-canary-7d1f";

  static final class Broken implements Executor {
    @Override
    public Outcome execute(AttemptRequest request) {
      throw new IllegalStateException(
          "cannot read reply carrying " + CANARY, new NullPointerException("key " + CANARY));
    }
  }

  @Test
  void anExecutorsExceptionIsLoggedWithItsStackButWithoutAnyMessage() {
    Dispatcher dispatcher = new Dispatcher(Map.of(Call.LlmCall.class, new Broken()));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    Outcome outcome;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      outcome =
          dispatcher.execute(
              new AttemptRequest(
                  "ns",
                  "k",
                  Duration.ofSeconds(30),
                  List.of(),
                  LlmFixtures.call(
                      "openai", "http://127.0.0.1:9/v1", false, null, LlmFixtures.MESSAGES)));
    } finally {
      System.setErr(stderr);
    }

    assertThat(outcome).isInstanceOf(Outcome.Failed.class);
    assertThat(((Outcome.Failed) outcome).failure().message())
        .isEqualTo("executor error: IllegalStateException");
    String log = err.toString(StandardCharsets.UTF_8);
    assertThat(log)
        .contains("Broken failed on a LlmCall call")
        .contains("java.lang.IllegalStateException")
        .contains("at dev.steadfast.executors.DispatcherTest$Broken.execute")
        .contains("Caused by: java.lang.NullPointerException")
        .doesNotContain(CANARY);
  }
}
