package dev.steadfast.operator.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.ExitCodes;
import dev.steadfast.api.Tier;
import dev.steadfast.engine.Reason;
import dev.steadfast.engine.exec.Failure;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the outcome of an attempt off its Job and pods (docs/errors.md rows for Jobs). Pure: no
 * I/O, so every row of the table is a unit test.
 */
final class JobVerdict {
  static final Set<String> IMAGE_PULL =
      Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName");

  // Pod status reasons of pods that were pushed off their node rather than failing on their own.
  static final Set<String> EVICTED =
      Set.of("Evicted", "Preempting", "NodeLost", "NodeShutdown", "Terminated", "Shutdown");

  private static final ObjectReader STRICT_JSON =
      Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private JobVerdict() {}

  /**
   * What the Job came to, or empty while it is still running.
   *
   * @param pods the Job's pods as they are now
   * @param podLost whether a pod of this Job vanished while the Job was running (node lost)
   */
  static Optional<Outcome> judge(Job job, List<Pod> pods, boolean podLost, ExitCodes codes) {
    if (job == null) {
      return failed(
          Tier.Transient, Reason.Evicted.name(), "the Job was deleted before it finished", null);
    }
    if (condition(job, "Complete").isPresent()) {
      String message =
          pods.stream()
              .sorted(Comparator.comparing(p -> "Succeeded".equals(phase(p)) ? 0 : 1))
              .map(JobVerdict::terminated)
              .flatMap(Optional::stream)
              .filter(t -> t.getExitCode() != null && t.getExitCode() == 0)
              .findFirst()
              // No message is the usual case (nothing written to /dev/termination-log): null
              // output. Mapped after findFirst, which refuses a null element.
              .map(ContainerStateTerminated::getMessage)
              .orElse(null);
      return Optional.of(new Outcome.Success(output(message)));
    }
    Optional<JobCondition> failed = condition(job, "Failed");
    if (failed.isEmpty()) {
      return waiting(pods);
    }
    Optional<ContainerStateTerminated> exit =
        pods.stream()
            .map(JobVerdict::terminated)
            .flatMap(Optional::stream)
            .filter(t -> t.getExitCode() != null && t.getExitCode() != 0)
            .findFirst();
    if (exit.isPresent() && "OOMKilled".equals(exit.get().getReason())) {
      return failed(
          Tier.Recoverable,
          Reason.OutOfMemory.name(),
          "the container was OOMKilled",
          exit.get().getExitCode());
    }
    Optional<Outcome> pull = waiting(pods);
    if (pull.isPresent()) {
      return pull;
    }
    if (Reason.DeadlineExceeded.name().equals(failed.get().getReason())) {
      return failed(
          Tier.Transient, Reason.Timeout.name(), "the Job exceeded activeDeadlineSeconds", null);
    }
    Optional<String> evicted =
        pods.stream().map(JobVerdict::evicted).flatMap(Optional::stream).findFirst();
    if (evicted.isPresent()) {
      return failed(Tier.Transient, Reason.Evicted.name(), "the pod was " + evicted.get(), null);
    }
    if (podLost || pods.isEmpty()) {
      return failed(
          Tier.Transient, Reason.Evicted.name(), "the pod was lost (its node went away)", null);
    }
    if (exit.isPresent()) {
      return exitCode(exit.get(), codes);
    }
    // Failed without a non-zero exit or a known cause: treat it like a lost pod, worth a retry.
    return failed(
        Tier.Transient,
        Reason.Evicted.name(),
        "the Job failed (" + failed.get().getReason() + "): " + failed.get().getMessage(),
        null);
  }

  /** Whether the Job reached Complete or Failed. */
  static boolean finished(Job job) {
    return job != null
        && (condition(job, "Complete").isPresent() || condition(job, "Failed").isPresent());
  }

  /** A pod that cannot start fails now instead of at its deadline. */
  private static Optional<Outcome> waiting(List<Pod> pods) {
    for (Pod pod : pods) {
      Optional<ContainerStateWaiting> w =
          container(pod).map(ContainerStatus::getState).map(ContainerState::getWaiting);
      if (w.isEmpty()) {
        continue;
      }
      String reason = w.get().getReason();
      String detail = w.get().getMessage() == null ? "" : ": " + w.get().getMessage();
      if (reason != null && IMAGE_PULL.contains(reason)) {
        return failed(
            Tier.Fatal,
            Reason.ImagePullFailed.name(),
            "the image cannot be pulled (" + reason + ")" + detail,
            null);
      }
      if ("CreateContainerConfigError".equals(reason)
          && detail.toLowerCase(java.util.Locale.ROOT).contains("secret")) {
        return failed(
            Tier.Fatal, Reason.SecretNotFound.name(), "the container cannot start" + detail, null);
      }
    }
    return Optional.empty();
  }

  private static Optional<Outcome> exitCode(ContainerStateTerminated t, ExitCodes codes) {
    int code = t.getExitCode();
    Tier tier = Tier.Recoverable;
    if (codes != null && codes.transientCodes != null && codes.transientCodes.contains(code)) {
      tier = Tier.Transient;
    } else if (codes != null && codes.fatal != null && codes.fatal.contains(code)) {
      tier = Tier.Fatal;
    }
    String said = t.getMessage() == null || t.getMessage().isBlank() ? "" : ": " + t.getMessage();
    return failed(tier, "ExitCode", "the container exited with code " + code + said, code);
  }

  private static Optional<String> evicted(Pod pod) {
    if (pod.getStatus() == null) {
      return Optional.empty();
    }
    if (pod.getStatus().getReason() != null && EVICTED.contains(pod.getStatus().getReason())) {
      return Optional.of(
          pod.getStatus().getReason().toLowerCase(java.util.Locale.ROOT)
              + (pod.getStatus().getMessage() == null
                  ? ""
                  : " (" + pod.getStatus().getMessage() + ")"));
    }
    return pod.getStatus().getConditions() == null
        ? Optional.empty()
        : pod.getStatus().getConditions().stream()
            .filter(c -> "DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus()))
            .map(c -> "disrupted (" + c.getReason() + ")")
            .findFirst();
  }

  /** The termination message as output: JSON when it parses as JSON, else text; empty is null. */
  static JsonNode output(String message) {
    if (message == null || message.isBlank()) {
      return NullNode.getInstance();
    }
    String text = message.strip();
    try {
      return STRICT_JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return TextNode.valueOf(text);
    }
  }

  private static Optional<ContainerStatus> container(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(c -> JobManifests.CONTAINER.equals(c.getName()))
        .findFirst();
  }

  static Optional<ContainerStateTerminated> terminated(Pod pod) {
    return container(pod)
        .map(
            c ->
                c.getState() != null && c.getState().getTerminated() != null
                    ? c.getState().getTerminated()
                    : c.getLastState() == null ? null : c.getLastState().getTerminated())
        .filter(Objects::nonNull);
  }

  private static String phase(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }

  private static Optional<JobCondition> condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .max(Comparator.comparing(c -> String.valueOf(c.getLastTransitionTime())));
  }

  private static Optional<Outcome> failed(Tier tier, String reason, String message, Integer code) {
    return Optional.of(new Outcome.Failed(new Failure(tier, reason, message, code, null)));
  }
}
