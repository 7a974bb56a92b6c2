package dev.steadfast.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Pod Security Standards' "restricted" profile (kubernetes.io/docs/concepts/security/
 * pod-security-standards), plus a read-only root filesystem, checked on a pod spec.
 */
final class PodSecurity {
  private static final Set<String> RESTRICTED_VOLUMES =
      Set.of(
          "configMap",
          "csi",
          "downwardAPI",
          "emptyDir",
          "ephemeral",
          "persistentVolumeClaim",
          "projected",
          "secret");

  private PodSecurity() {}

  static void assertRestricted(PodSpec pod) {
    PodSecurityContext psc = pod.getSecurityContext();
    assertThat(pod.getHostNetwork()).as("hostNetwork").isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostPID()).as("hostPID").isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostIPC()).as("hostIPC").isNotEqualTo(Boolean.TRUE);
    assertThat(psc.getRunAsNonRoot()).as("pod runAsNonRoot").isTrue();
    assertThat(psc.getRunAsUser()).as("pod runAsUser").isNotNull().isNotZero();
    assertThat(psc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    for (Volume v : pod.getVolumes()) {
      assertThat(volumeType(v)).as("volume %s", v.getName()).isIn(RESTRICTED_VOLUMES);
    }
    List<Container> all =
        Stream.concat(
                pod.getContainers().stream(),
                pod.getInitContainers() == null ? Stream.empty() : pod.getInitContainers().stream())
            .toList();
    for (Container c : all) {
      SecurityContext sc = c.getSecurityContext();
      assertThat(sc).as("securityContext of %s", c.getName()).isNotNull();
      assertThat(sc.getPrivileged()).isNotEqualTo(Boolean.TRUE);
      assertThat(sc.getAllowPrivilegeEscalation()).as("allowPrivilegeEscalation").isFalse();
      assertThat(sc.getCapabilities().getDrop()).as("capabilities.drop").containsExactly("ALL");
      assertThat(sc.getCapabilities().getAdd()).as("capabilities.add").isNullOrEmpty();
      assertThat(sc.getReadOnlyRootFilesystem()).as("readOnlyRootFilesystem").isTrue();
      assertThat(Long.valueOf(0)).as("container runAsUser").isNotEqualTo(sc.getRunAsUser());
      assertThat(c.getPorts()).allSatisfy(p -> assertThat(p.getHostPort()).isNull());
      // A read-only root filesystem: the JVM's temporary files go to an emptyDir.
      assertThat(c.getVolumeMounts())
          .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    }
  }

  private static String volumeType(Volume v) {
    if (v.getConfigMap() != null) return "configMap";
    if (v.getCsi() != null) return "csi";
    if (v.getDownwardAPI() != null) return "downwardAPI";
    if (v.getEmptyDir() != null) return "emptyDir";
    if (v.getEphemeral() != null) return "ephemeral";
    if (v.getPersistentVolumeClaim() != null) return "persistentVolumeClaim";
    if (v.getProjected() != null) return "projected";
    if (v.getSecret() != null) return "secret";
    return "other";
  }
}
