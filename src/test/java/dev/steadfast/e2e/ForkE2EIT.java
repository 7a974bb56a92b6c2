package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.format.Json;
import dev.steadfast.operator.OperatorHarness;
import dev.steadfast.operator.SteadfastOperator;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * `steadfast fork` against the real API server and a running operator: a three-step task fails on
 * its last step (a wrong endpoint, NotFound, Fatal); a person forks it suspended, fixes the step in
 * the fork's spec and resumes it. The simulator's request log shows that the fork called only the
 * fixed step; the fork's carried outputs are the source's, the large one copied into a ConfigMap
 * the fork alone owns.
 */
@RealApiServer
class ForkE2EIT {
  static final String NS = "e2e-fork";

  @Test
  void aFailedTaskIsForkedFromItsLastGoodStepAndNothingFinishedIsCalledAgain(KubeApiServer server)
      throws Exception {
    KubernetesClient client = server.client();
    server.namespace(NS);
    server.installCrd();
    try (LlmSimulator sim = LlmSimulator.builder().port(0).build().start()) {
      SteadfastOperator operator =
          OperatorHarness.start(
              client, c -> c.namespaces(NS).operatorNamespace(NS).identity("fork"));
      try {
        String spec =
            "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\n"
                + "metadata: {name: essay, namespace: "
                + NS
                + ", labels: {team: docs}}\n"
                + "spec:\n  steps:\n"
                + "    - name: fetch\n      http: {url: 'SIM/items?count=300'}\n"
                + "    - name: plan\n      llm:\n        endpoint: 'SIM/v1'\n"
                + "        model: planner\n"
                + "        messages: [{role: user, content: 'plan an essay on {{ steps.fetch.output.items[0].title }}'}]\n"
                + "    - name: write\n      llm:\n        endpoint: 'SIM/v0'\n"
                + "        model: writer\n"
                + "        messages: [{role: user, content: 'write it: {{ steps.plan.output }}'}]\n";
        client
            .resource(Json.YAML.readValue(spec.replace("SIM", sim.baseUrl()), AgentTask.class))
            .create();
        await()
            .atMost(Duration.ofMinutes(2))
            .until(() -> BoundsE2EIT.phase(client, NS, "essay") == TaskPhase.Failed);
        AgentTask source = BoundsE2EIT.get(client, NS, "essay");
        assertThat(source.getStatus().steps.get(2).lastError.reason).isEqualTo("NotFound");
        assertThat(source.getStatus().steps.get(0).outputRef).isNotNull();
        int itemsCalls = calls(sim, "/items").size();
        int planCalls = model(sim, "planner").size();
        assertThat(itemsCalls).isEqualTo(1);
        assertThat(planCalls).isEqualTo(1);

        String failed = PluginE2EIT.cli(server, "describe", "essay", "-n", NS).out();
        System.out.println("ForkE2EIT describe (source):\n" + failed);
        assertThat(failed)
            .contains("  kubectl steadfast fork essay -n " + NS + " --suspend\n")
            .doesNotContain("Forked from:");
        PluginE2EIT.Cli forked =
            PluginE2EIT.cli(
                server, "fork", "essay", "--name", "essay-fixed", "--suspend", "-n", NS);
        System.out.println("ForkE2EIT fork:\n" + forked.out());
        assertThat(forked.exit()).as(forked.err()).isZero();
        assertThat(forked.out())
            .isEqualTo(
                "agenttask/essay-fixed created from essay\n"
                    + "carried 2 finished steps (fetch, plan); runs from write\n"
                    + "suspended; edit its spec, then run: kubectl steadfast resume essay-fixed -n "
                    + NS
                    + "\n");
        AgentTask created = BoundsE2EIT.get(client, NS, "essay-fixed");
        assertThat(created.getMetadata().getLabels()).containsEntry("team", "docs");
        assertThat(created.getMetadata().getAnnotations())
            .containsEntry(AgentTask.FORK_OF_ANNOTATION, "essay")
            .containsEntry(AgentTask.FORK_FROM_ANNOTATION, "write");
        // Seeded on its first reconcile, while suspended.
        await()
            .atMost(Duration.ofMinutes(1))
            .until(
                () -> {
                  AgentTask f = BoundsE2EIT.get(client, NS, "essay-fixed");
                  return f.getStatus() != null && f.getStatus().forkedFrom != null;
                });
        assertThat(BoundsE2EIT.phase(client, NS, "essay-fixed")).isEqualTo(TaskPhase.Suspended);

        // The fix, in the fork's spec only: the right endpoint for `write`.
        client
            .resources(AgentTask.class)
            .inNamespace(NS)
            .withName("essay-fixed")
            .patch(
                PatchContext.of(PatchType.JSON),
                "[{\"op\":\"replace\",\"path\":\"/spec/steps/2/llm/endpoint\",\"value\":\""
                    + sim.baseUrl()
                    + "/v1\"}]");
        PluginE2EIT.Cli resumed = PluginE2EIT.cli(server, "resume", "essay-fixed", "-n", NS);
        assertThat(resumed.out()).isEqualTo("agenttask/essay-fixed resumed\n");
        await()
            .atMost(Duration.ofMinutes(2))
            .until(() -> BoundsE2EIT.phase(client, NS, "essay-fixed") == TaskPhase.Succeeded);

        // The request log: the fork fetched nothing and planned nothing; it wrote once.
        assertThat(calls(sim, "/items")).hasSize(itemsCalls);
        assertThat(model(sim, "planner")).hasSize(planCalls);
        List<RecordedRequest> writes = model(sim, "writer");
        assertThat(writes).hasSize(1);
        AgentTask fork = BoundsE2EIT.get(client, NS, "essay-fixed");
        assertThat(writes.get(0).idempotencyKey())
            .isEqualTo(fork.getMetadata().getUid() + "/write/-/1");
        assertThat(fork.getStatus().forkedFrom.task).isEqualTo("essay");
        assertThat(fork.getStatus().forkedFrom.carried).containsExactly("fetch", "plan");
        assertThat(fork.getStatus().steps)
            .extracting(s -> s.phase)
            .containsOnly(StepPhase.Succeeded);
        assertThat(fork.getStatus().steps.get(1).output)
            .isEqualTo(source.getStatus().steps.get(1).output);
        // The large output: the same bytes, in a ConfigMap of the fork's, owned by it alone.
        var sourceRef = source.getStatus().steps.get(0).outputRef;
        var forkRef = fork.getStatus().steps.get(0).outputRef;
        assertThat(forkRef.configMap).isEqualTo("essay-fixed-fetch-output");
        assertThat(forkRef.sha256).isEqualTo(sourceRef.sha256);
        ConfigMap copied = client.configMaps().inNamespace(NS).withName(forkRef.configMap).get();
        ConfigMap original =
            client.configMaps().inNamespace(NS).withName(sourceRef.configMap).get();
        assertThat(copied.getData()).isEqualTo(original.getData());
        assertThat(copied.getMetadata().getOwnerReferences())
            .singleElement()
            .satisfies(o -> assertThat(o.getUid()).isEqualTo(fork.getMetadata().getUid()));
        // Its budget starts fresh: the carried plan's tokens are not the fork's spending.
        assertThat(fork.getStatus().usage.inputTokens)
            .isEqualTo(fork.getStatus().steps.get(2).usage.inputTokens);

        String described = PluginE2EIT.cli(server, "describe", "essay-fixed", "-n", NS).out();
        System.out.println("ForkE2EIT describe:\n" + described);
        assertThat(described)
            .contains("Forked from:  essay at step write (carried fetch, plan)\n")
            .contains("Usage:        " + fork.getStatus().usage.inputTokens + "+");

        // A fork of a task that is not there, made by hand: it fails saying which annotation.
        client
            .resource(
                Json.YAML.readValue(
                    spec.replace("SIM", sim.baseUrl())
                        .replace(
                            "name: essay,",
                            "name: orphan, annotations: {steadfast.dev/fork-of: gone,"
                                + " steadfast.dev/fork-from: write},"),
                    AgentTask.class))
            .create();
        await()
            .atMost(Duration.ofMinutes(1))
            .until(() -> BoundsE2EIT.phase(client, NS, "orphan") == TaskPhase.Failed);
        assertThat(BoundsE2EIT.get(client, NS, "orphan").getStatus().message)
            .contains("ForkSourceNotFound")
            .contains("steadfast.dev/fork-of names task 'gone'");
        assertThat(calls(sim, "/items")).hasSize(itemsCalls);

        PluginE2EIT.Cli noStep = PluginE2EIT.cli(server, "fork", "essay", "--from", "x", "-n", NS);
        assertThat(noStep.exit()).isEqualTo(1);
        assertThat(noStep.err())
            .isEqualTo("error: essay has no step x (its steps: fetch, plan, write)\n");
      } finally {
        operator.close();
      }
    }
  }

  private static List<RecordedRequest> calls(LlmSimulator sim, String path) {
    return sim.requests().stream().filter(r -> path.equals(r.path())).toList();
  }

  private static List<RecordedRequest> model(LlmSimulator sim, String model) {
    return sim.requests().stream().filter(r -> model.equals(r.model())).toList();
  }
}
