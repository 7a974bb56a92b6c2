package dev.steadfast.operator;

import java.util.List;

/**
 * The operator refuses loopback by default (docs/security.md); tests that run tasks against
 * simulators on 127.0.0.1 start it with this allow list, as a user with an in-cluster model server
 * would.
 */
public final class LoopbackEgress {
  /** {@code --egress-allow} entries naming this machine. */
  public static final List<String> ALLOW = List.of("127.0.0.1/8", "localhost");

  /** The same as a command-line argument. */
  public static final String ARG = "--egress-allow=" + String.join(",", ALLOW);

  private LoopbackEgress() {}
}
