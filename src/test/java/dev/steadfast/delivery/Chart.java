package dev.steadfast.delivery;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/** The Helm chart in helm/steadfast, rendered in-process by helm-java as `helm template` would. */
final class Chart {
  static final Path DIR = Path.of("helm", "steadfast");
  static final String RELEASE = "steadfast";
  static final String NAMESPACE = "steadfast-system";
  // helm-java's default (v1.20) is older than the chart's kubeVersion.
  static final String KUBE_VERSION = "v1.31.0";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Chart() {}

  /** `helm template steadfast helm/steadfast -n steadfast-system -f values.yaml`, without CRDs. */
  static String template(String valuesYaml) {
    return withValues(
        valuesYaml,
        values ->
            new Helm(DIR)
                .template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION)
                .skipCrds()
                .withValuesFile(values)
                .call());
  }

  private static String withValues(String valuesYaml, Function<Path, String> helm) {
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

  /** NOTES.txt as `helm install --dry-run` prints it. */
  static String notes(String valuesYaml) {
    return withValues(
        valuesYaml,
        values ->
            new Helm(DIR)
                .install()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION)
                .withValuesFile(values)
                .clientOnly()
                .dryRun()
                .call()
                .getOutput());
  }

  static Rendered render(String valuesYaml) {
    return new Rendered(parse(template(valuesYaml)));
  }

  static List<HasMetadata> parse(String yaml) {
    return Arrays.stream(yaml.split("(?m)^---\\s*$"))
        .filter(doc -> doc.lines().anyMatch(l -> !l.isBlank() && !l.startsWith("#")))
        .map(doc -> (HasMetadata) SERIALIZATION.unmarshal(doc))
        .toList();
  }

  /** The objects of one rendering. */
  record Rendered(List<HasMetadata> objects) {
    <T extends HasMetadata> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    List<HasMetadata> kind(String kind) {
      return objects.stream().filter(o -> o.getKind().equals(kind)).toList();
    }

    <T extends HasMetadata> T one(Class<T> type) {
      List<T> found = all(type);
      if (found.size() != 1) {
        throw new AssertionError("expected one " + type.getSimpleName() + ", found " + found);
      }
      return found.get(0);
    }

    <T extends HasMetadata> T named(Class<T> type, String namespace, String name) {
      return all(type).stream()
          .filter(o -> Objects.equals(o.getMetadata().getNamespace(), namespace))
          .filter(o -> o.getMetadata().getName().equals(name))
          .findFirst()
          .orElseThrow(
              () ->
                  new AssertionError("no " + type.getSimpleName() + " " + namespace + "/" + name));
    }
  }
}
