package dev.steadfast.engine.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** At a cold start many reconcile threads ask for the same rules at once: each compiles once. */
class CelCompileOnceTest {
  @Test
  void fiftyThreadsAskingForTheSameExpressionCompileItOnce() throws Exception {
    Cel cel = new Cel(Cel.TASK_VARIABLES);
    String expression = "inputs.items.map(i, i * 2).filter(x, x > 3).size() + index";
    int threads = 50;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Object>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return cel.eval(
                      expression,
                      Map.of("inputs", Map.of("items", List.of(1L, 2L, 3L)), "index", 1L));
                }));
      }
      go.countDown();
      for (Future<Object> r : results) {
        assertThat(r.get(30, TimeUnit.SECONDS)).isEqualTo(3L);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(cel.compilations()).isEqualTo(1);
    cel.compile("index + 1");
    assertThat(cel.compilations()).isEqualTo(2);
  }

  @Test
  void anExpressionThatDoesNotCompileFailsEveryTimeWithTheSameMessage() {
    Cel cel = new Cel(Cel.TASK_VARIABLES);
    assertThatThrownBy(() -> cel.compile("inputs.")).isInstanceOf(ExpressionException.class);
    String first = catchMessage(cel);
    assertThat(catchMessage(cel)).isEqualTo(first).isNotBlank();
    assertThat(cel.compilations()).isEqualTo(1);
  }

  private static String catchMessage(Cel cel) {
    try {
      cel.compile("inputs.");
      throw new AssertionError("compiled");
    } catch (ExpressionException e) {
      assertThat(e.expression()).isEqualTo("inputs.");
      return e.getMessage();
    }
  }
}
