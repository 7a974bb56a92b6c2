package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.cli.Main;
import dev.steadfast.operator.OperatorHarness;
import dev.steadfast.operator.SteadfastOperator;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kubectl plugin's commands against the real API server and a running operator, their output
 * read as text: describe of a failed task (its timeline, what it waits for, the hint), retry,
 * suspend and resume.
 */
@RealApiServer
class PluginE2EIT {
  static final String NS = "e2e-plugin";

  /** What a command printed, and its exit code. */
  record Cli(int exit, String out, String err) {}

  static Cli cli(KubeApiServer server, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--kubeconfig";
    all[args.length + 1] = server.kubeconfig().toString();
    int exit = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), all);
    return new Cli(exit, out.toString(), err.toString());
  }

  static String step(String name, String endpoint, String model, String retry) {
    return "    - name: "
        + name
        + "\n      retry: "
        + retry
        + "\n      llm:\n        endpoint: '"
        + endpoint
        + "'\n        model: "
        + model
        + "\n        messages: [{role: user, content: 'write about "
        + name
        + "'}]\n";
  }

  @Test
  void aFailedTaskIsDescribedRetriedAndAWaitingOneSuspendedAndResumed(KubeApiServer server)
      throws Exception {
    KubernetesClient client = server.client();
    server.namespace(NS);
    server.installCrd();
    // writer: a 500 (Transient, retried after 1s), then a 401 (Fatal): the task fails on `write`.
    // slow: a 500, then a backoff of five minutes: the task waits.
    try (LlmSimulator sim =
        LlmSimulator.builder()
            .port(0)
            .faults(FaultPlan.parse("500@1/writer,401@2/writer,500@1/slow"))
            .build()
            .start()) {
      SteadfastOperator operator =
          OperatorHarness.start(
              client, c -> c.namespaces(NS).operatorNamespace(NS).identity("plugin"));
      try {
        String endpoint = sim.baseUrl() + "/v1";
        BoundsE2EIT.create(
            client,
            NS,
            "essay",
            "  steps:\n"
                + step("plan", endpoint, "planner", "{maxAttempts: 3}")
                + step(
                    "write",
                    endpoint,
                    "writer",
                    "{maxAttempts: 3, backoff: {initialDelay: 1s, jitter: None}}"));
        await()
            .atMost(Duration.ofMinutes(2))
            .until(() -> BoundsE2EIT.phase(client, NS, "essay") == TaskPhase.Failed);

        Cli described = cli(server, "describe", "essay", "-n", NS);
        System.out.println("PluginE2EIT describe (failed):\n" + described.out());
        assertThat(described.exit()).as(described.err()).isZero();
        String text = described.out();
        assertThat(text).contains("Phase:        Failed").contains("Step:         write");
        assertThat(text).containsPattern("(?m)^  plan  Succeeded  attempts 1");
        assertThat(text).containsPattern("(?m)^  write  Failed  attempts 2");
        assertThat(text)
            .containsPattern(
                "(?m)^    TIME +ATTEMPT +OUTCOME +TIER +REASON +CODE +WAIT +FALLBACK +TOKENS +COST$");
        assertThat(text)
            .containsPattern("(?m)^    \\S+Z +1 +Failed +Transient +ServerError +500 +1s +- +");
        assertThat(text)
            .containsPattern("(?m)^    \\S+Z +2 +Failed +Fatal +Unauthorized +401 +- +- +");
        assertThat(text)
            .contains("Waiting for:  a person: the task failed (Unauthorized)")
            .contains("  kubectl steadfast retry essay -n " + NS + "\n");

        // retry: the fault schedule is spent, so `write` now succeeds; `plan` is not called again.
        Cli retried = cli(server, "retry", "essay", "-n", NS);
        assertThat(retried.exit()).as(retried.err()).isZero();
        assertThat(retried.out())
            .startsWith("agenttask/essay retry requested (steadfast.dev/retry=");
        await()
            .atMost(Duration.ofMinutes(2))
            .until(() -> BoundsE2EIT.phase(client, NS, "essay") == TaskPhase.Succeeded);
        assertThat(requestsFor(sim, "planner")).hasSize(1);
        assertThat(requestsFor(sim, "writer")).hasSize(3);
        String done = cli(server, "describe", "essay", "-n", NS).out();
        assertThat(done)
            .containsPattern("(?m)^    \\S+Z +3 +Succeeded +- +- +- +- +- +\\d+\\+\\d+ +-$")
            .contains("Waiting for:  nothing: the task succeeded");

        // A task in a five-minute backoff: describe says until when; suspend and resume flip it.
        BoundsE2EIT.create(
            client,
            NS,
            "slow",
            "  steps:\n"
                + step(
                    "only",
                    endpoint,
                    "slow",
                    "{maxAttempts: 3, backoff: {initialDelay: 5m, jitter: None}}"));
        await()
            .atMost(Duration.ofMinutes(2))
            .until(() -> BoundsE2EIT.phase(client, NS, "slow") == TaskPhase.Waiting);
        String waiting = cli(server, "describe", "slow", "-n", NS).out();
        System.out.println("PluginE2EIT describe (waiting):\n" + waiting);
        assertThat(waiting)
            .containsPattern(
                "Waiting for:  ServerError: next attempt at \\S+Z \\(in (4m\\d+s|5m)\\)")
            .contains("kubectl steadfast suspend slow -n " + NS);

        assertThat(cli(server, "suspend", "slow", "-n", NS).out())
            .isEqualTo("agenttask/slow suspended\n");
        await()
            .atMost(Duration.ofMinutes(1))
            .until(() -> BoundsE2EIT.phase(client, NS, "slow") == TaskPhase.Suspended);
        assertThat(BoundsE2EIT.get(client, NS, "slow").getSpec().suspend).isTrue();
        assertThat(cli(server, "describe", "slow", "-n", NS).out())
            .contains("Waiting for:  resume (Suspended)")
            .contains("  kubectl steadfast resume slow -n " + NS + "\n");

        assertThat(cli(server, "resume", "slow", "-n", NS).out())
            .isEqualTo("agenttask/slow resumed\n");
        await()
            .atMost(Duration.ofMinutes(1))
            .until(() -> BoundsE2EIT.phase(client, NS, "slow") == TaskPhase.Waiting);
        assertThat(requestsFor(sim, "slow")).hasSize(1);

        Cli missing = cli(server, "describe", "nope", "-n", NS);
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("error: no AgentTask nope in namespace " + NS + "\n");
      } finally {
        operator.close();
      }
    }
  }

  private static List<RecordedRequest> requestsFor(LlmSimulator sim, String model) {
    return sim.requests().stream().filter(r -> model.equals(r.model())).toList();
  }

  static AgentTask get(KubernetesClient client, String name) {
    return BoundsE2EIT.get(client, NS, name);
  }
}
