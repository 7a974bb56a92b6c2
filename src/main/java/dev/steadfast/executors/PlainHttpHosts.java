package dev.steadfast.executors;

/**
 * The hosts a Secret-bound value may be sent to over plain http (docs/security.md): those named in
 * the operator's {@code --egress-allow}. The method has the name of the egress policy's own, so
 * that policy can be passed as a method reference.
 */
@FunctionalInterface
public interface PlainHttpHosts {
  /** No host: every Secret-bound value goes over https. */
  PlainHttpHosts NONE = (host, port) -> false;

  /**
   * @param port the effective port (80 for http without one)
   */
  boolean namedByAllowList(String host, int port);
}
