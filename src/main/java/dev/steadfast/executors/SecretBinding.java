package dev.steadfast.executors;

import dev.steadfast.executors.Secrets.SecretNotAllowedException;
import dev.steadfast.executors.egress.HostGlob;
import java.net.URI;
import java.util.Locale;

/**
 * Where a Secret's value may go (docs/security.md): the hosts its {@code
 * steadfast.dev/allowed-hosts} annotation lists, over https, or over http only to a host the
 * operator's egress allow list names. Decided on the URI the request is sent to, after templates
 * are rendered, so a task author can point a request anywhere but the key only goes where the
 * Secret's owner said.
 */
public final class SecretBinding {
  public static final String ALLOWED_HOSTS = "steadfast.dev/allowed-hosts";
  public static final String ALLOWED_IN_JOBS = "steadfast.dev/allowed-in-jobs";

  private SecretBinding() {}

  /**
   * @param secret the Secret's name, for the message
   * @param allowedHosts the annotation's value, or null when the Secret has none
   * @param destination the URI of the request that will carry the value
   * @throws SecretNotAllowedException naming the Secret, the host and the annotation to add
   */
  public static void check(
      String secret, String allowedHosts, URI destination, PlainHttpHosts plainHttp)
      throws SecretNotAllowedException {
    String host = destination.getHost();
    String scheme = destination.getScheme() == null ? "" : destination.getScheme();
    boolean https = scheme.toLowerCase(Locale.ROOT).equals("https");
    int port = destination.getPort() != -1 ? destination.getPort() : https ? 443 : 80;
    // An IPv6 literal keeps its brackets in URI.getHost(), so "[::1]:80" reads right.
    String target = host + ":" + port;
    if (!listed(allowedHosts, host, port)) {
      throw new SecretNotAllowedException(
          "Secret \""
              + secret
              + "\" may not be sent to "
              + target
              + ": add it to the annotation "
              + ALLOWED_HOSTS
              + " on the Secret");
    }
    if (!https && !plainHttp.namedByAllowList(host, port)) {
      throw new SecretNotAllowedException(
          "Secret \""
              + secret
              + "\" may not be sent to "
              + target
              + " over plain http: use https, or name the host in the operator's --egress-allow");
    }
  }

  /** Whether {@code host:port} matches one of the annotation's comma-separated host globs. */
  static boolean listed(String allowedHosts, String host, int port) {
    if (allowedHosts == null || host == null) {
      return false;
    }
    for (String glob : allowedHosts.split(",")) {
      if (!glob.isBlank() && HostGlob.matches(host, port, glob.strip())) {
        return true;
      }
    }
    return false;
  }

  /**
   * A job step's env takes a Secret only with {@code steadfast.dev/allowed-in-jobs: "true"}.
   *
   * @param allowedInJobs the annotation's value, or null
   */
  public static void checkJob(String secret, String allowedInJobs)
      throws SecretNotAllowedException {
    if (allowedInJobs == null || !allowedInJobs.strip().equalsIgnoreCase("true")) {
      throw new SecretNotAllowedException(
          "Secret \""
              + secret
              + "\" may not be put into a job's environment: add the annotation "
              + ALLOWED_IN_JOBS
              + ": \"true\" to the Secret");
    }
  }
}
