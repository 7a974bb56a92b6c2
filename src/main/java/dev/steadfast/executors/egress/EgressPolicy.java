package dev.steadfast.executors.egress;

import inet.ipaddr.AddressStringParameters.RangeParameters;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv6.IPv6Address;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Where http, llm and agent-tool calls may connect (docs/security.md "Egress closed to the cluster
 * by default"). The operator's policy refuses loopback, link-local, private, CGNAT, unspecified,
 * multicast and reserved addresses, also when embedded in an IPv6 address, unless {@code
 * --egress-allow} names the host (a {@link HostGlob}) or holds a CIDR containing the address; every
 * other (public) address is allowed. The decision is made on the {@link InetAddress} the client
 * connects to (see {@link EgressResolver}), so how the URL spelled the host does not matter. {@code
 * steadfast run} uses {@link #open()}: the user's own machine, the user's own network.
 */
public final class EgressPolicy {
  private static final String FLAG = "--egress-allow";

  /** A denied range and the word a message uses for it. */
  private record Range(IPAddress block, String kind) {
    static Range of(String cidr, String kind) {
      return new Range(new IPAddressString(cidr).getAddress().toPrefixBlock(), kind);
    }
  }

  private static final List<Range> DENIED =
      List.of(
          Range.of("0.0.0.0/8", "unspecified"),
          Range.of("10.0.0.0/8", "private"),
          Range.of("100.64.0.0/10", "CGNAT"),
          Range.of("127.0.0.0/8", "loopback"),
          Range.of("169.254.0.0/16", "link-local"),
          Range.of("172.16.0.0/12", "private"),
          Range.of("192.168.0.0/16", "private"),
          Range.of("224.0.0.0/4", "multicast"),
          Range.of("240.0.0.0/4", "reserved or broadcast"),
          Range.of("::/128", "unspecified"),
          Range.of("::1/128", "loopback"),
          Range.of("fe80::/10", "link-local"),
          Range.of("fec0::/10", "site-local"),
          Range.of("fc00::/7", "private"),
          Range.of("ff00::/8", "multicast"));

  // 64:ff9b::/96 carries an IPv4 address to a NAT64 gateway, which then connects to it.
  private static final IPAddress NAT64 = new IPAddressString("64:ff9b::/96").getAddress();

  // Addresses in --egress-allow and in URLs are read strictly: only the dotted-decimal and IPv6
  // forms, so an entry means what it looks like (no inet_aton octal or hex, no ranges).
  private static final IPAddressStringParameters STRICT = strict(false);
  private static final IPAddressStringParameters STRICT_CIDR = strict(true);

  /** An address entry: a CIDR or a single address, optionally with a port. */
  private record Cidr(IPAddress block, String port) {
    boolean contains(IPAddress address, int p) {
      return block.contains(address)
          && (port == null || port.equals("*") || port.equals(Integer.toString(p)));
    }
  }

  private final boolean open;
  private final List<HostGlob> globs;
  private final List<Cidr> cidrs;

  private EgressPolicy(boolean open, List<HostGlob> globs, List<Cidr> cidrs) {
    this.open = open;
    this.globs = List.copyOf(globs);
    this.cidrs = List.copyOf(cidrs);
  }

  /** Allows every address: the local runner's policy. */
  public static EgressPolicy open() {
    return new EgressPolicy(true, List.of(), List.of());
  }

  /**
   * The operator's policy: internal addresses denied except those {@code allowList} names.
   *
   * @param allowList entries of {@code --egress-allow}: host[:port] globs, IP addresses ([v6]:port
   *     for a port) or CIDRs; blank entries are ignored
   * @throws IllegalArgumentException naming {@code --egress-allow} and the entry that is neither
   */
  public static EgressPolicy denyInternal(List<String> allowList) {
    List<HostGlob> globs = new ArrayList<>();
    List<Cidr> cidrs = new ArrayList<>();
    for (String raw : allowList == null ? List.<String>of() : allowList) {
      String entry = raw == null ? "" : raw.strip();
      if (entry.isEmpty()) {
        continue; // "a,,b" on the command line
      }
      if (entry.contains("/")) {
        IPAddressString cidr = new IPAddressString(entry, STRICT_CIDR);
        if (!cidr.isIPAddress()) {
          throw bad(entry, "is not a CIDR (for example 10.0.0.0/8 or fd00::/8)");
        }
        cidrs.add(new Cidr(cidr.getAddress().toPrefixBlock(), null));
        continue;
      }
      HostGlob glob = HostGlob.parse(entry);
      if (glob == null) {
        throw bad(entry, "is not a host glob (host or host:port, * as wildcard) or a CIDR");
      }
      IPAddress literal = literal(glob.host());
      if (literal != null) {
        cidrs.add(new Cidr(literal, glob.port()));
      } else {
        globs.add(glob);
      }
    }
    return new EgressPolicy(false, globs, cidrs);
  }

  /** True for the local runner's policy, which allows everything. */
  public boolean isOpen() {
    return open;
  }

  /**
   * Whether a connection to {@code address}, resolved from {@code host}, may be made.
   *
   * @param host the host as the URL spelled it
   * @param port the effective port; -1 when unknown (then only entries without a port apply)
   */
  public boolean allows(String host, int port, InetAddress address) {
    if (open || deniedKind(address) == null) {
      return true;
    }
    IPAddress ip = of(address);
    return globs.stream().anyMatch(g -> g.matches(host, port))
        || cidrs.stream().anyMatch(c -> c.contains(ip, port));
  }

  /**
   * Whether {@code --egress-allow} names this host: a host glob matches it, or it is an IP literal
   * (dotted decimal or IPv6) inside one of the CIDRs. A name inside a CIDR only after resolution is
   * not named; neither is anything under the {@link #open()} policy, which has no list.
   *
   * @param port the effective port (443 for https without one)
   */
  public boolean namedByAllowList(String host, int port) {
    if (host == null) {
      return false;
    }
    if (globs.stream().anyMatch(g -> g.matches(host, port))) {
      return true;
    }
    IPAddress literal = literal(HostGlob.normalize(host));
    return literal != null && cidrs.stream().anyMatch(c -> c.contains(literal, port));
  }

  /**
   * The kind of internal range an address is in ("loopback", "private", "link-local"…), or null for
   * a public address. IPv4-mapped, IPv4-compatible and NAT64 IPv6 addresses are judged by the IPv4
   * address they carry.
   */
  public static String deniedKind(InetAddress address) {
    return deniedKind(of(address));
  }

  private static String deniedKind(IPAddress ip) {
    for (Range r : DENIED) {
      if (r.block().getIPVersion() == ip.getIPVersion() && r.block().contains(ip)) {
        return r.kind();
      }
    }
    if (ip.isIPv6()) {
      IPv6Address v6 = ip.toIPv6();
      if (v6.isIPv4Mapped() || v6.isIPv4Compatible() || NAT64.contains(v6)) {
        return deniedKind(v6.getEmbeddedIPv4Address());
      }
    }
    return null;
  }

  private static IPAddress of(InetAddress address) {
    return address instanceof Inet4Address v4
        ? new IPv4Address(v4)
        : new IPv6Address((Inet6Address) address);
  }

  /** The address a host spells in dotted decimal or IPv6 notation, else null. */
  private static IPAddress literal(String host) {
    IPAddressString s = new IPAddressString(host, STRICT);
    return s.isIPAddress() ? s.getAddress() : null;
  }

  private static IPAddressStringParameters strict(boolean prefix) {
    IPAddressStringParameters.Builder b =
        new IPAddressStringParameters.Builder()
            .allowEmpty(false)
            .allowAll(false)
            .allowSingleSegment(false)
            .allowMask(false)
            .allowPrefixOnly(false)
            .allowPrefix(prefix)
            .allowWildcardedSeparator(false)
            .setRangeOptions(RangeParameters.NO_RANGE)
            .allow_inet_aton(false);
    b.getIPv4AddressParametersBuilder().allowLeadingZeros(false);
    return b.toParams();
  }

  private static IllegalArgumentException bad(String entry, String why) {
    return new IllegalArgumentException(FLAG + ": \"" + entry + "\" " + why);
  }

  @Override
  public String toString() {
    return open ? "open" : "deny internal except " + globs + " " + cidrs;
  }
}
