package dev.steadfast.e2e;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real etcd + kube-apiserver (no controller-manager, scheduler or kubelet: nothing garbage
 * collects, deletes namespaces or runs Jobs). {@link KubeApiServerExtension} starts one per test
 * JVM and shares it between test classes; give each class its own namespace.
 */
public final class KubeApiServer implements AutoCloseable {
  public static final Path CRD_FILE = Path.of("crds", "agenttasks.steadfast.dev-v1.yml");
  private static final Logger LOG = LoggerFactory.getLogger(KubeApiServer.class);

  private final KubeAPIServer server;
  private final String version;
  private final Path kubeconfig;
  private final KubernetesClient client;
  private final Kubectl kubectl;

  private KubeApiServer(KubeAPIServer server, ApiServerBinaries binaries, Path kubeconfig) {
    this.server = server;
    this.version = binaries.version();
    this.kubeconfig = kubeconfig;
    this.client =
        new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(read(kubeconfig))).build();
    this.kubectl = new Kubectl(binaries.kubectl(), kubeconfig);
  }

  /** Starts etcd and kube-apiserver from the binaries of scripts/setup-apiserver.sh. */
  public static KubeApiServer start() {
    ApiServerBinaries binaries = ApiServerBinaries.locate();
    KubeAPIServer server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(binaries.testDir().toString())
                .withApiServerVersion(binaries.version())
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .build());
    long started = System.nanoTime();
    server.start();
    try {
      Path kubeconfig = Files.createTempFile("steadfast-e2e-", ".kubeconfig");
      Files.writeString(kubeconfig, server.getKubeConfigYaml());
      LOG.info(
          "kube-apiserver {} ready in {} ms; kubeconfig {}",
          binaries.version(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
          kubeconfig);
      return new KubeApiServer(server, binaries, kubeconfig);
    } catch (IOException | RuntimeException e) {
      server.stop();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  /** A client with cluster-admin rights. Do not close it: the extension does, at the end. */
  public KubernetesClient client() {
    return client;
  }

  /** A kubeconfig file for this server, for {@code kubectl --kubeconfig} or other tools. */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** kubectl, already pointed at this server. */
  public Kubectl kubectl() {
    return kubectl;
  }

  /** The Kubernetes version of the server, e.g. {@code 1.33.13}. */
  public String version() {
    return version;
  }

  /**
   * Applies the committed CRD (server-side apply, so calling it again is harmless) and waits until
   * the server reports it Established.
   */
  public CustomResourceDefinition installCrd() {
    var crds = client.apiextensions().v1().customResourceDefinitions();
    CustomResourceDefinition crd = crds.load(CRD_FILE.toFile()).item();
    try {
      client.resource(crd).fieldManager("steadfast-e2e").forceConflicts().serverSideApply();
    } catch (KubernetesClientException e) {
      throw rejected(e);
    }
    return crds.withName(crd.getMetadata().getName())
        .waitUntilCondition(KubeApiServer::established, 60, TimeUnit.SECONDS);
  }

  /** Creates the namespace when it does not exist yet, and returns its name. */
  public String namespace(String name) {
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .fieldManager("steadfast-e2e")
        .serverSideApply();
    return name;
  }

  /** One line per cause, so a rejected CRD reads like kubectl's answer rather than a dump. */
  private static IllegalStateException rejected(KubernetesClientException e) {
    StringBuilder message =
        new StringBuilder("kube-apiserver rejected ").append(CRD_FILE).append(" (HTTP ");
    message.append(e.getCode()).append("):");
    Status status = e.getStatus();
    if (status == null
        || status.getDetails() == null
        || status.getDetails().getCauses().isEmpty()) {
      message.append(' ').append(e.getMessage());
    } else {
      status
          .getDetails()
          .getCauses()
          .forEach(
              c ->
                  message
                      .append("\n  - ")
                      .append(c.getField())
                      .append(": ")
                      .append(c.getMessage()));
    }
    return new IllegalStateException(message.toString(), e);
  }

  static boolean established(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        // Right after creation the API server may not have set any condition yet.
        && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      server.stop();
      try {
        Files.deleteIfExists(kubeconfig);
      } catch (IOException e) {
        LOG.warn("could not delete {}", kubeconfig, e);
      }
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
