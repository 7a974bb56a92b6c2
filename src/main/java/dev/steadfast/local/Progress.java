package dev.steadfast.local;

import dev.steadfast.engine.EngineEvent;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** One progress line per event: elapsed time, step, reason, message. */
public final class Progress {
  private final PrintStream out;
  private final boolean quiet;
  private final Clock clock;
  private final Instant start;

  public Progress(PrintStream out, boolean quiet, Clock clock) {
    this.out = out;
    this.quiet = quiet;
    this.clock = clock;
    this.start = clock.instant();
  }

  public void print(List<EngineEvent> events) {
    if (quiet) {
      return;
    }
    for (EngineEvent e : events) {
      line(e.step() == null ? "-" : e.step(), e.reason(), e.message());
    }
    out.flush();
  }

  public void line(String step, String reason, String message) {
    long ms = Duration.between(start, clock.instant()).toMillis();
    out.printf(
        "%7.1fs  %-14s %-14s %s%n", ms / 1000.0, step, reason, message == null ? "" : message);
  }

  /** The closing line, printed even when quiet. */
  public void result(String line) {
    out.println(line);
    out.flush();
  }
}
