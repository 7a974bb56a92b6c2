package dev.steadfast.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts one real API server for the whole test JVM, the first time a test class asks for it, and
 * stops it when the JVM's test run ends (the root store closes it). Test methods, constructors and
 * {@code @BeforeAll} methods of {@link RealApiServer} classes can take a {@link KubeApiServer},
 * {@link KubernetesClient} or {@link Kubectl} parameter. When the binaries are missing, every test
 * of the class fails, with a message saying to run {@code scripts/setup-apiserver.sh}.
 */
public final class KubeApiServerExtension implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(KubeApiServerExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    server(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == KubeApiServer.class || type == KubernetesClient.class || type == Kubectl.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    KubeApiServer server = server(context);
    Class<?> type = parameter.getParameter().getType();
    if (type == KubernetesClient.class) {
      return server.client();
    }
    return type == Kubectl.class ? server.kubectl() : server;
  }

  /** The JVM's server, started on first use. */
  public static KubeApiServer server(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            KubeApiServer.class, key -> KubeApiServer.start(), KubeApiServer.class);
  }
}
