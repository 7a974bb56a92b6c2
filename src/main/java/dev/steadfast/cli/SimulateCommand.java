package dev.steadfast.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** `steadfast simulate`: not implemented yet (the resilient engine issue builds it). */
@Command(name = "simulate", description = "Not implemented yet.")
public final class SimulateCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("steadfast simulate is not implemented yet");
    return 1;
  }
}
