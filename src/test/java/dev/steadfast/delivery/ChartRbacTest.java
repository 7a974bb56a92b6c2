package dev.steadfast.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.operator.ApiAccess;
import dev.steadfast.operator.ApiAccess.Scope;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC grants exactly the API calls listed in {@link ApiAccess}, in the scope each is
 * needed: nothing missing, nothing more, no wildcard. (ApiAccessIT checks ApiAccess against the
 * requests of a running operator.)
 */
class ChartRbacTest {

  @Test
  void allNamespacesModeGrantsApiAccessThroughAClusterRole() {
    Chart.Rendered r = Chart.render("");
    assertThat(r.all(ClusterRole.class)).hasSize(1);
    assertThat(grants(r.one(ClusterRole.class).getRules()))
        .isEqualTo(declared(Scope.WATCHED_NAMESPACES, Scope.CLUSTER));
    assertThat(grants(ownNamespaceRole(r).getRules()))
        .isEqualTo(declared(Scope.OPERATOR_NAMESPACE));
    assertThat(r.all(Role.class)).hasSize(1);
    assertBoundToTheServiceAccount(r);
  }

  @Test
  void namespaceScopedModeGrantsApiAccessThroughARoleInEachWatchedNamespace() {
    Chart.Rendered r = Chart.render("watchNamespaces: [team-a, team-b]");
    assertThat(grants(r.one(ClusterRole.class).getRules())).isEqualTo(declared(Scope.CLUSTER));
    for (String ns : List.of("team-a", "team-b")) {
      Role role = r.named(Role.class, ns, "steadfast");
      assertThat(grants(role.getRules())).isEqualTo(declared(Scope.WATCHED_NAMESPACES));
    }
    assertThat(grants(ownNamespaceRole(r).getRules()))
        .isEqualTo(declared(Scope.OPERATOR_NAMESPACE));
    assertThat(r.all(Role.class))
        .extracting(role -> role.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("team-a", "team-b", Chart.NAMESPACE);
    assertBoundToTheServiceAccount(r);
  }

  @Test
  void noRuleUsesAWildcard() {
    for (String values : List.of("", "watchNamespaces: [team-a]")) {
      Chart.Rendered r = Chart.render(values);
      Stream.concat(
              r.all(ClusterRole.class).stream().flatMap(c -> c.getRules().stream()),
              r.all(Role.class).stream().flatMap(c -> c.getRules().stream()))
          .forEach(
              rule -> {
                assertThat(rule.getVerbs()).doesNotContain("*");
                assertThat(rule.getResources()).doesNotContain("*");
                assertThat(rule.getApiGroups()).doesNotContain("*");
                assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
              });
      assertThat(r.all(ClusterRole.class))
          .allSatisfy(c -> assertThat(c.getAggregationRule()).isNull());
    }
  }

  @Test
  void withoutRbacTheChartCreatesNoRoles() {
    Chart.Rendered r = Chart.render("rbac: {create: false}");
    assertThat(r.all(ClusterRole.class)).isEmpty();
    assertThat(r.all(Role.class)).isEmpty();
    assertThat(r.all(ClusterRoleBinding.class)).isEmpty();
    assertThat(r.all(RoleBinding.class)).isEmpty();
  }

  private static Role ownNamespaceRole(Chart.Rendered r) {
    return r.named(Role.class, Chart.NAMESPACE, "steadfast-own-namespace");
  }

  /** Every role is bound, and only to the operator's ServiceAccount. */
  private static void assertBoundToTheServiceAccount(Chart.Rendered r) {
    ServiceAccount sa = r.one(ServiceAccount.class);
    Subject expected =
        new Subject(null, "ServiceAccount", sa.getMetadata().getName(), Chart.NAMESPACE);
    for (ClusterRoleBinding b : r.all(ClusterRoleBinding.class)) {
      assertThat(b.getSubjects()).containsExactly(expected);
      assertRef(
          b.getRoleRef(),
          "ClusterRole",
          r.all(ClusterRole.class).stream().map(c -> c.getMetadata().getName()).toList());
    }
    for (RoleBinding b : r.all(RoleBinding.class)) {
      assertThat(b.getSubjects()).containsExactly(expected);
      List<String> rolesHere =
          r.all(Role.class).stream()
              .filter(
                  role -> role.getMetadata().getNamespace().equals(b.getMetadata().getNamespace()))
              .map(role -> role.getMetadata().getName())
              .toList();
      assertRef(b.getRoleRef(), "Role", rolesHere);
    }
    assertThat(r.all(ClusterRoleBinding.class)).hasSameSizeAs(r.all(ClusterRole.class));
    assertThat(r.all(RoleBinding.class)).hasSameSizeAs(r.all(Role.class));
  }

  private static void assertRef(RoleRef ref, String kind, List<String> names) {
    assertThat(ref.getApiGroup()).isEqualTo("rbac.authorization.k8s.io");
    assertThat(ref.getKind()).isEqualTo(kind);
    assertThat(names).contains(ref.getName());
  }

  /** "group resource verb" for each combination a set of rules grants. */
  static Set<String> grants(List<PolicyRule> rules) {
    Set<String> out = new TreeSet<>();
    for (PolicyRule rule : rules) {
      assertThat(rule.getResourceNames()).isNullOrEmpty();
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          for (String verb : rule.getVerbs()) {
            out.add(group + " " + resource + " " + verb);
          }
        }
      }
    }
    return out;
  }

  static Set<String> declared(Scope... scopes) {
    Set<String> out = new TreeSet<>();
    for (ApiAccess.Rule rule : ApiAccess.RULES) {
      if (List.of(scopes).contains(rule.scope())) {
        rule.verbs().forEach(v -> out.add(rule.apiGroup() + " " + rule.resource() + " " + v));
      }
    }
    return out;
  }
}
