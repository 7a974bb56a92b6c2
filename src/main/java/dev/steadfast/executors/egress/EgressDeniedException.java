package dev.steadfast.executors.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A host resolved only to addresses the {@link EgressPolicy} refuses: nothing was sent, and the
 * same request would be refused again, so the step fails Fatal {@code EgressDenied}. An {@link
 * UnknownHostException} because the resolver hook may throw only that, which also keeps the HTTP
 * client from retrying it.
 */
public final class EgressDeniedException extends UnknownHostException {
  public EgressDeniedException(String host, int port, InetAddress address, String kind) {
    super(message(host, port, address, kind));
  }

  private static String message(String host, int port, InetAddress address, String kind) {
    String target = port < 0 ? host : host + ":" + port;
    String ip = address.getHostAddress();
    String what = ip.equalsIgnoreCase(host) ? ip : "it resolves to " + ip + ", which";
    return "egress to "
        + target
        + " denied: "
        + what
        + " is a "
        + kind
        + " address; the operator reaches such addresses only when --egress-allow names the host"
        + " or a CIDR containing the address";
  }
}
