package dev.steadfast.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** `steadfast run`: not implemented yet (the resilient engine issue builds it). */
@Command(name = "run", description = "Not implemented yet.")
public final class RunCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("steadfast run is not implemented yet");
    return 1;
  }
}
