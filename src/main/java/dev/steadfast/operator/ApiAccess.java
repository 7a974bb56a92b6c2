package dev.steadfast.operator;

import java.util.List;

/**
 * Every Kubernetes API call the operator makes, as RBAC sees it: API group, resource, verbs and
 * where. The Helm chart's RBAC grants exactly these and nothing else (ChartRbacTest), and a
 * recording of a running operator's requests finds none outside them (ApiAccessIT). Add a line here
 * before making a new kind of call.
 */
public final class ApiAccess {
  /** Where a permission is needed. */
  public enum Scope {
    /** In each namespace whose AgentTasks are reconciled (all of them unless --namespaces). */
    WATCHED_NAMESPACES,
    /** In the operator's own namespace (POD_NAMESPACE) only. */
    OPERATOR_NAMESPACE,
    /** Cluster-scoped resources. */
    CLUSTER
  }

  /** One RBAC rule: {@code apiGroup} is "" for the core group. */
  public record Rule(
      String apiGroup, String resource, List<String> verbs, Scope scope, String why) {
    public Rule {
      verbs = List.copyOf(verbs);
    }
  }

  public static final List<Rule> RULES =
      List.of(
          new Rule(
              "steadfast.dev",
              "agenttasks",
              List.of("list", "watch", "patch"),
              Scope.WATCHED_NAMESPACES,
              "the primary resource: JOSDK's informer lists and watches it; a task being deleted"
                  + " loses, with a patch, the finalizer that earlier versions added to every task"),
          new Rule(
              "steadfast.dev",
              "agenttasks/status",
              List.of("update"),
              Scope.WATCHED_NAMESPACES,
              "the checkpoint: a PUT of the status carrying the resourceVersion read"),
          new Rule(
              "steadfast.dev",
              "agenttasks/finalizers",
              List.of("update"),
              Scope.WATCHED_NAMESPACES,
              "output ConfigMaps and Jobs name their task as owner with blockOwnerDeletion, which"
                  + " the OwnerReferencesPermissionEnforcement admission plugin only allows to"
                  + " whoever may update the owner's finalizers"),
          new Rule(
              "",
              "secrets",
              List.of("get", "list", "watch"),
              Scope.WATCHED_NAMESPACES,
              "API keys are read when a step starts; Secrets are watched so that a task stalled on"
                  + " Unauthorized, Forbidden or SecretNotFound is retried when one changes"),
          new Rule(
              "",
              "configmaps",
              List.of("get", "create", "update", "delete"),
              Scope.WATCHED_NAMESPACES,
              "outputs over 4 KiB in <task>-<step>-output (read first: created, or updated only"
                  + " when the task owns it) and the inputs of job steps, deleted when the Job ends"
                  + " if the attempt owns them"),
          new Rule(
              "",
              "events",
              List.of("get", "create", "patch"),
              Scope.WATCHED_NAMESPACES,
              "task events; a repeat patches its count (read only when a restarted operator finds the"
                  + " name taken)"),
          new Rule(
              "batch",
              "jobs",
              List.of("get", "list", "watch", "create", "delete"),
              Scope.WATCHED_NAMESPACES,
              "job steps: create or adopt the attempt's Job, watch it, delete it on timeout or"
                  + " when the task is deleted"),
          new Rule(
              "",
              "pods",
              List.of("list", "watch"),
              Scope.WATCHED_NAMESPACES,
              "job steps: the pods of the attempt's Job, for exit codes and termination messages"),
          new Rule(
              "coordination.k8s.io",
              "leases",
              List.of("get", "create", "update", "patch"),
              Scope.OPERATOR_NAMESPACE,
              "--leader-election: the Lease steadfast-operator, renewed with a patch, and given"
                  + " up with an update on a clean shutdown; JOSDK checks at start that it may get,"
                  + " create and update it"),
          new Rule(
              "",
              "configmaps",
              List.of("get", "create", "update"),
              Scope.OPERATOR_NAMESPACE,
              "circuit breaker states in the ConfigMap steadfast-breakers, read at start and"
                  + " written on every transition"),
          new Rule(
              "authorization.k8s.io",
              "selfsubjectrulesreviews",
              List.of("create"),
              Scope.CLUSTER,
              "--leader-election: JOSDK checks at start that it may use Leases"));

  private ApiAccess() {}
}
