package dev.steadfast.executors.egress;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.client5.http.DnsResolver;

/**
 * The HTTP client's resolver, with the {@link EgressPolicy} in it: each connection resolves its
 * host once, keeps the addresses the policy allows, and the client connects to exactly those (the
 * connection operator dials the returned {@link InetSocketAddress}es). Checking an address and then
 * letting the client resolve the name again would let a DNS answer with a short TTL point the
 * second lookup at 169.254.169.254 or 127.0.0.1 (DNS rebinding); here there is no second lookup. IP
 * literals of any spelling go through the same lookup, so the decision is on the address the JDK
 * makes of them, which is the one connected to.
 */
public final class EgressResolver implements DnsResolver {
  /** Turns a host into addresses; the system resolver, or a script in tests. */
  @FunctionalInterface
  public interface Lookup {
    InetAddress[] lookup(String host) throws UnknownHostException;
  }

  /** The JDK's resolver: literals parsed, names through the system's DNS. */
  public static final Lookup SYSTEM = InetAddress::getAllByName;

  private final EgressPolicy policy;
  private final Lookup lookup;

  public EgressResolver(EgressPolicy policy, Lookup lookup) {
    this.policy = policy;
    this.lookup = lookup;
  }

  /**
   * The allowed addresses of {@code host}, in the resolver's order.
   *
   * @throws EgressDeniedException when it has addresses but the policy allows none
   * @throws UnknownHostException when it has none
   */
  @Override
  public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
    String name = HostGlob.normalize(host);
    InetAddress[] addresses = lookup.lookup(name);
    List<InetSocketAddress> allowed = new ArrayList<>();
    InetAddress denied = null;
    for (InetAddress address : addresses == null ? new InetAddress[0] : addresses) {
      if (policy.allows(name, port, address)) {
        allowed.add(new InetSocketAddress(address, Math.max(port, 0)));
      } else if (denied == null) {
        denied = address;
      }
    }
    if (allowed.isEmpty()) {
      if (denied != null) {
        throw new EgressDeniedException(name, port, denied, EgressPolicy.deniedKind(denied));
      }
      throw new UnknownHostException(name);
    }
    return allowed;
  }

  /** The same decision where the client does not say the port: only entries without one apply. */
  @Override
  public InetAddress[] resolve(String host) throws UnknownHostException {
    return resolve(host, -1).stream()
        .map(InetSocketAddress::getAddress)
        .toArray(InetAddress[]::new);
  }

  /** No reverse lookups: the name the URL gave is the name. */
  @Override
  public String resolveCanonicalHostname(String host) {
    return host;
  }
}
