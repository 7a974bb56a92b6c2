package dev.steadfast.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** `steadfast demo`: not implemented yet (the resilient engine issue builds it). */
@Command(name = "demo", description = "Not implemented yet.")
public final class DemoCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("steadfast demo is not implemented yet");
    return 1;
  }
}
