package dev.steadfast.e2e;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One release of the chart helm/steadfast in the test API server, installed, upgraded and
 * uninstalled in-process by helm-java as `helm install/upgrade/uninstall --kubeconfig` would. Never
 * with --wait: there is no kubelet, so the operator's pod never runs.
 */
record HelmRelease(KubeApiServer server, String name, String namespace) {
  static final Path CHART = Path.of("helm", "steadfast");

  /** The chart's fullname (and ServiceAccount name) for a release without name overrides. */
  String fullname() {
    return name.contains("steadfast") ? name : name + "-steadfast";
  }

  /** The user name RBAC knows the chart's ServiceAccount by. */
  String subject() {
    return "system:serviceaccount:" + namespace + ":" + fullname();
  }

  /** `helm install NAME helm/steadfast -n NAMESPACE -f values.yaml`; the namespace must exist. */
  Release install(String valuesYaml) {
    return withValues(
        valuesYaml,
        values ->
            new Helm(CHART)
                .install()
                .withKubeConfig(server.kubeconfig())
                .withName(name)
                .withNamespace(namespace)
                .withValuesFile(values)
                .call());
  }

  /** `helm upgrade NAME helm/steadfast -n NAMESPACE -f values.yaml` (values not reused). */
  Release upgrade(String valuesYaml) {
    return withValues(
        valuesYaml,
        values ->
            new Helm(CHART)
                .upgrade()
                .withKubeConfig(server.kubeconfig())
                .withName(name)
                .withNamespace(namespace)
                .withValuesFile(values)
                .call());
  }

  /** `helm uninstall NAME -n NAMESPACE`. */
  String uninstall() {
    return Helm.uninstall(name).withKubeConfig(server.kubeconfig()).withNamespace(namespace).call();
  }

  /** This release as `helm list -n NAMESPACE --all` shows it, if it does. */
  Optional<Release> listed() {
    return Helm.list()
        .all()
        .withKubeConfig(server.kubeconfig())
        .withNamespace(namespace)
        .call()
        .stream()
        .filter(r -> r.getName().equals(name))
        .findFirst();
  }

  /**
   * A client that authenticates with nothing but a token of the chart's ServiceAccount, from the
   * TokenRequest API, as the operator's pod would with its projected token. Each request the API
   * server answers with 403 Forbidden is added to {@code forbidden} ("METHOD path").
   */
  KubernetesClient serviceAccountClient(List<String> forbidden) {
    TokenRequest token =
        server
            .client()
            .serviceAccounts()
            .inNamespace(namespace)
            .withName(fullname())
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(3600L)
                    .endSpec()
                    .build());
    Config admin = server.client().getConfiguration();
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(admin.getMasterUrl())
            .withCaCertData(admin.getCaCertData())
            .withCaCertFile(admin.getCaCertFile())
            .withOauthToken(token.getStatus().getToken())
            .withNamespace(namespace)
            .build();
    Interceptor recorder =
        new Interceptor() {
          @Override
          public void after(
              HttpRequest request,
              HttpResponse<?> response,
              AsyncBody.Consumer<List<ByteBuffer>> consumer) {
            if (response.code() == 403) {
              forbidden.add(request.method() + " " + request.uri().getPath());
            }
          }
        };
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("forbidden", recorder))
        .build();
  }

  private static <T> T withValues(String valuesYaml, Function<Path, T> helm) {
    try {
      Path values = Files.createTempFile("values", ".yaml");
      try {
        Files.writeString(values, valuesYaml);
        return helm.apply(values);
      } finally {
        Files.delete(values);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
