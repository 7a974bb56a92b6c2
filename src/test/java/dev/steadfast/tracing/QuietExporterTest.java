package dev.steadfast.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class QuietExporterTest {
  final Deque<CompletableResultCode> answers = new ArrayDeque<>();
  final List<String> told = new ArrayList<>();
  final SpanExporter collector =
      new SpanExporter() {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
          return answers.removeFirst();
        }

        @Override
        public CompletableResultCode flush() {
          return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
          return CompletableResultCode.ofSuccess();
        }
      };
  final QuietExporter exporter = new QuietExporter(collector, "http://127.0.0.1:4318", told::add);

  @Test
  void anOutageIsToldInOneLineAndTheNextOutageAgain() {
    answers.add(CompletableResultCode.ofExceptionalFailure(new ConnectException("refused")));
    answers.add(CompletableResultCode.ofExceptionalFailure(new ConnectException("refused")));
    answers.add(CompletableResultCode.ofSuccess());
    answers.add(CompletableResultCode.ofFailure());

    for (int i = 0; i < 4; i++) {
      exporter.export(List.of());
    }

    assertThat(told)
        .containsExactly(
            "traces not exported: collector at http://127.0.0.1:4318 unreachable",
            "traces not exported: collector at http://127.0.0.1:4318 refused them");
  }

  @Test
  void anExportStillUnderWayIsToldWhenItCompletes() {
    CompletableResultCode pending = new CompletableResultCode();
    answers.add(pending);

    assertThat(exporter.export(List.of())).isSameAs(pending);
    assertThat(told).isEmpty();
    pending.failExceptionally(new ConnectException("refused"));

    assertThat(told).hasSize(1);
  }

  @Test
  void theSdksOwnExportWarningsAreSilenced() {
    assertThat(
            Logger.getLogger("io.opentelemetry.exporter.internal.http.HttpExporter")
                .isLoggable(Level.SEVERE))
        .isFalse();
  }
}
