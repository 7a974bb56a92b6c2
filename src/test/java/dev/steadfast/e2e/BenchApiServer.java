package dev.steadfast.e2e;

/**
 * Lets code outside the e2e tests (the operator benchmark) start the same etcd + kube-apiserver the
 * tests use, without widening {@link KubeApiServer}'s own factory, which the JUnit extension owns.
 */
public final class BenchApiServer {
  private BenchApiServer() {}

  /** Starts a fresh server; the caller closes it. */
  public static KubeApiServer start() {
    return KubeApiServer.start();
  }
}
