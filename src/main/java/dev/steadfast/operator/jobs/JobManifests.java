package dev.steadfast.operator.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.api.JobEnvVar;
import dev.steadfast.api.JobResources;
import dev.steadfast.api.JobStep;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.format.Json;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The Job and the inputs ConfigMap of one attempt, built from the rendered job step. */
final class JobManifests {
  static final String CONTAINER = "step";
  static final String INPUTS_DIR = "/steadfast/inputs";
  static final String INPUTS_ALL = "inputs.json";
  static final String KEY_ANNOTATION = "steadfast.dev/idempotency-key";
  static final String TASK_LABEL = "steadfast.dev/task";
  static final String STEP_LABEL = "steadfast.dev/step";
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final int TTL_SECONDS = 3600;

  private static final String INPUTS_VOLUME = "steadfast-inputs";

  private JobManifests() {}

  static String inputsName(String jobName) {
    return jobName + "-inputs";
  }

  static Job job(String name, String namespace, Call.JobCall call, JobNames.AttemptKey key) {
    JobStep step = call.job();
    Map<String, String> labels = labels(call.taskName(), key);
    return new JobBuilder()
        .withMetadata(metadata(name, namespace, call.taskName(), key))
        .withNewSpec()
        // Steadfast does the retrying, with its own backoff, breaker and budget.
        .withBackoffLimit(0)
        .withTtlSecondsAfterFinished(TTL_SECONDS)
        .withActiveDeadlineSeconds(step.activeDeadlineSeconds)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        // Checked against --job-service-accounts by JobAdmission before we get here; the token
        // stays out of the pod either way, so the step's code cannot call the API server.
        .withServiceAccountName(step.serviceAccountName)
        .withAutomountServiceAccountToken(false)
        .withSecurityContext(podSecurity())
        .addNewContainer()
        .withName(CONTAINER)
        .withImage(step.image)
        .withCommand(step.command)
        .withArgs(step.args)
        .withEnv(env(step.env))
        .withResources(resources(step.resources))
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withSecurityContext(containerSecurity())
        .addNewVolumeMount()
        .withName(INPUTS_VOLUME)
        .withMountPath(INPUTS_DIR)
        .withReadOnly(true)
        .endVolumeMount()
        .endContainer()
        .addNewVolume()
        .withName(INPUTS_VOLUME)
        .withNewConfigMap()
        .withName(inputsName(name))
        .endConfigMap()
        .endVolume()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /**
   * The Pod Security "restricted" profile (docs/security.md), so job pods run in namespaces that
   * enforce it and an image cannot gain root. The image must run as a non-root user: one that does
   * not fails to start, which is the point.
   */
  static PodSecurityContext podSecurity() {
    return new PodSecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  static SecurityContext containerSecurity() {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .withRunAsNonRoot(true)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  /** One file per top-level input (its JSON), plus inputs.json with all of them. */
  static ConfigMap inputs(
      String jobName, String namespace, Call.JobCall call, JobNames.AttemptKey key) {
    JsonNode inputs = call.inputs();
    Map<String, String> data = new TreeMap<>();
    if (inputs != null && inputs.isObject()) {
      inputs
          .fields()
          .forEachRemaining(
              e -> {
                // A key that is no valid file name is still readable from inputs.json.
                if (e.getKey().matches("[-._a-zA-Z0-9]+") && !e.getKey().matches("\\.+")) {
                  data.put(e.getKey(), Json.write(e.getValue()));
                }
              });
    }
    data.put(INPUTS_ALL, inputs == null || inputs.isNull() ? "{}" : Json.write(inputs));
    return new ConfigMapBuilder()
        .withMetadata(metadata(inputsName(jobName), namespace, call.taskName(), key))
        .withImmutable(true)
        .withData(data)
        .build();
  }

  static boolean ownedBy(ObjectMeta meta, JobNames.AttemptKey key) {
    return meta.getAnnotations() != null
        && key.key().equals(meta.getAnnotations().get(KEY_ANNOTATION));
  }

  private static ObjectMeta metadata(
      String name, String namespace, String taskName, JobNames.AttemptKey key) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(namespace)
        .withLabels(labels(taskName, key))
        .withAnnotations(Map.of(KEY_ANNOTATION, key.key()))
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion("steadfast.dev/v1alpha1")
                .withKind("AgentTask")
                .withName(taskName)
                .withUid(key.taskUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build())
        .build();
  }

  private static Map<String, String> labels(String taskName, JobNames.AttemptKey key) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED_BY, "steadfast");
    labels.put(TASK_LABEL, JobNames.labelValue(taskName));
    labels.put(STEP_LABEL, JobNames.labelValue(key.step()));
    return labels;
  }

  // Secret values never pass through the operator: the kubelet resolves secretKeyRef itself.
  private static List<EnvVar> env(List<JobEnvVar> env) {
    if (env == null) {
      return List.of();
    }
    return env.stream()
        .map(
            e -> {
              EnvVarBuilder b = new EnvVarBuilder().withName(e.name);
              if (e.valueFrom != null && e.valueFrom.secretKeyRef != null) {
                return b.withNewValueFrom()
                    .withNewSecretKeyRef()
                    .withName(e.valueFrom.secretKeyRef.name)
                    .withKey(e.valueFrom.secretKeyRef.key)
                    .endSecretKeyRef()
                    .endValueFrom()
                    .build();
              }
              return b.withValue(e.value).build();
            })
        .toList();
  }

  private static ResourceRequirements resources(JobResources resources) {
    if (resources == null) {
      return null;
    }
    return new ResourceRequirementsBuilder()
        .withRequests(quantities(resources.requests))
        .withLimits(quantities(resources.limits))
        .build();
  }

  private static Map<String, Quantity> quantities(Map<String, IntOrString> values) {
    if (values == null) {
      return null;
    }
    Map<String, Quantity> out = new TreeMap<>();
    values.forEach(
        (k, v) ->
            out.put(
                k,
                new Quantity(
                    v.getStrVal() != null ? v.getStrVal() : String.valueOf(v.getIntVal()))));
    return out;
  }
}
