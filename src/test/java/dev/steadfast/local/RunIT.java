package dev.steadfast.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.simulator.FaultPlan;
import dev.steadfast.simulator.LlmSimulator;
import dev.steadfast.simulator.RecordedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `steadfast run` against the simulator, for every fault kind: what a user sees. */
class RunIT {
  static final String CANARY = "canary-s3cr3t-9f8e7d";
  @TempDir Path dir;
  LlmSimulator sim;

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.stop();
    }
  }

  LlmSimulator start(String faults) {
    var b = LlmSimulator.builder().port(0).retryAfterSeconds(1).hangFor(Duration.ofSeconds(20));
    if (faults != null) {
      b.faults(FaultPlan.parse(faults));
    }
    sim = b.build().start();
    return sim;
  }

  Path task(String name, String stepsYaml) throws Exception {
    Path secrets = dir.resolve("secrets/llm");
    Files.createDirectories(secrets);
    Files.writeString(secrets.resolve("key"), CANARY + "\n");
    Path f = dir.resolve(name + ".yaml");
    Files.writeString(
        f,
        ("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: "
                + name
                + "}\nspec:\n"
                + "  policy:\n    timeout: 2s\n    retry:\n      maxAttempts: 4\n      backoff: {initialDelay: 100ms, maxDelay: 1s}\n      rateLimit: {initialDelay: 200ms, maxDelay: 2s}\n"
                + stepsYaml)
            .replace("SIM", sim.baseUrl()));
    return f;
  }

  static String llm(String model, String extra) {
    return "    - name: ask\n      llm: {endpoint: 'SIM/v1', model: "
        + model
        + ", apiKeySecretRef: {name: llm, key: key}, "
        + "responseFormat: json, outputSchema: {type: object, required: [answer], properties: {answer: {type: string}}}, "
        + "messages: [{role: user, content: 'Say something'}]"
        + extra
        + "}\n";
  }

  CliProcess.Result run(Path file, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                file.toString(),
                "--state-dir",
                dir.resolve("state").toString(),
                "--secrets-dir",
                dir.resolve("secrets").toString(),
                "--status-out",
                dir.resolve("status.yaml").toString()));
    args.addAll(List.of(more));
    return CliProcess.run(dir, args.toArray(String[]::new));
  }

  static JsonNode step(CliProcess.Result r) {
    return r.status().path("steps").get(0);
  }

  void assertNoCanary(CliProcess.Result r) throws Exception {
    assertThat(r.all()).doesNotContain(CANARY);
    assertThat(Files.readString(dir.resolve("status.yaml"))).doesNotContain(CANARY);
    try (var files = Files.walk(dir.resolve("state"))) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        assertThat(Files.readString(p)).as(p.toString()).doesNotContain(CANARY);
      }
    }
  }

  @Test
  void happyPathOpenAi() throws Exception {
    start(null);
    CliProcess.Result r = run(task("happy", "  steps:\n" + llm("gpt-4o", "")));
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.status().path("phase").asText()).isEqualTo("Succeeded");
    assertThat(step(r).path("output").path("answer").isTextual()).isTrue();
    assertThat(r.out()).contains("StepStarted").contains("StepSucceeded").contains("Succeeded:");
    assertThat(sim.requests())
        .singleElement()
        .satisfies(q -> assertThat(q.idempotencyKey()).endsWith("/ask/-/1"));
    assertNoCanary(r);
    // Times to the millisecond: a status holds dozens of them and is written on every step.
    String status = Files.readString(dir.resolve("status.yaml"));
    assertThat(status)
        .containsPattern("completedAt: \"?\\d{4}-\\d\\d-\\d\\dT[0-9:]{8}(\\.\\d{1,3})?Z");
    assertThat(status).doesNotContainPattern("\\d{2}:\\d{2}:\\d{2}\\.\\d{4,}Z");
  }

  @Test
  void happyPathAnthropic() throws Exception {
    start(null);
    CliProcess.Result r =
        run(task("claude", "  steps:\n" + llm("claude-x", ", api: anthropic, maxTokens: 200")));
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(sim.requests())
        .singleElement()
        .satisfies(q -> assertThat(q.api()).isEqualTo("anthropic"));
  }

  @Test
  void rateLimitedWithRetryAfterIsRetried() throws Exception {
    start("429@1-2/gpt-4o");
    CliProcess.Result r = run(task("ratelimit", "  steps:\n" + llm("gpt-4o", "")));
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.status().path("attempts").asInt()).isEqualTo(3);
    assertThat(r.out()).contains("RateLimited (429)");
    assertThat(sim.requests())
        .extracting(RecordedRequest::idempotencyKey)
        .doesNotHaveDuplicates()
        .hasSize(3);
  }

  @Test
  void serverErrorsAndOverloadAreRetried() throws Exception {
    start("500@1/gpt-4o,503@2/gpt-4o,529@3/gpt-4o");
    CliProcess.Result r = run(task("servererr", "  steps:\n" + llm("gpt-4o", "")));
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out())
        .contains("ServerError (500)")
        .contains("Overloaded (503)")
        .contains("Overloaded (529)");
    assertThat(step(r).path("attempts").asInt()).isEqualTo(4);
  }

  @Test
  void hangsPastTheTimeoutAndDroppedConnectionsAreRetried() throws Exception {
    start("timeout@1/gpt-4o,network@2/gpt-4o");
    CliProcess.Result r =
        run(
            task(
                "flaky",
                "  steps:\n"
                    + llm("gpt-4o", "")
                        .replace("- name: ask\n", "- name: ask\n      timeout: 700ms\n")));
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("Timeout").contains("NetworkError");
  }

  @Test
  void unauthorizedIsFatalAndStalls() throws Exception {
    start("401@1-99/gpt-4o");
    CliProcess.Result r = run(task("denied", "  steps:\n" + llm("gpt-4o", "")));
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.status().path("phase").asText()).isEqualTo("Failed");
    assertThat(step(r).path("lastError").path("reason").asText()).isEqualTo("Unauthorized");
    assertThat(step(r).path("lastError").path("tier").asText()).isEqualTo("Fatal");
    assertThat(r.status().path("attempts").asInt()).isEqualTo(1);
    JsonNode stalled = condition(r, "Stalled");
    assertThat(stalled.path("status").asText()).isEqualTo("True");
    assertThat(stalled.path("reason").asText()).isEqualTo("Unauthorized");
    assertThat(r.out()).contains("FatalError");
    assertNoCanary(r);
  }

  @Test
  void quotaExhaustedIsFatalUnlikeRateLimiting() throws Exception {
    start("quota@1-99/gpt-4o");
    CliProcess.Result r = run(task("quota", "  steps:\n" + llm("gpt-4o", "")));
    assertThat(r.exit()).isEqualTo(1);
    assertThat(step(r).path("lastError").path("reason").asText()).isEqualTo("QuotaExhausted");
    assertThat(sim.requests()).hasSize(1);
  }

  @Test
  void contextOverflowIsTruncatedAndRetried() throws Exception {
    sim = LlmSimulator.builder().port(0).contextWindow("gpt-4o", 600).build().start();
    String big = "word ".repeat(600);
    String steps =
        "  steps:\n    - name: ask\n      llm: {endpoint: 'SIM/v1', model: gpt-4o, apiKeySecretRef: {name: llm, key: key}, messages: ["
            + "{role: system, content: 'Be brief.'}, {role: user, content: '"
            + big
            + "'}, {role: assistant, content: 'ok'}, {role: user, content: 'Now summarise: "
            + big
            + "'}]}\n";
    CliProcess.Result r = run(task("context", steps));
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("ContextOverflow");
    assertThat(sim.requests().get(0).fault()).isEqualTo("context");
    assertThat(sim.requests().get(sim.requests().size() - 1).status()).isEqualTo(200);
  }

  @Test
  void invalidAndCutOffOutputIsRepaired() throws Exception {
    start("invalid-output@1/gpt-4o,length@2/gpt-4o");
    CliProcess.Result r = run(task("repair", "  steps:\n" + llm("gpt-4o", "")));
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("InvalidOutput").contains("repair 1/2").contains("repair 2/2");
    JsonNode last = sim.requests().get(2).body();
    assertThat(last.toString()).contains("previous answer");
  }

  @Test
  void fallbackModelMakesTheTaskDegradedButSucceeded() throws Exception {
    start("500@1-99/gpt-4o");
    CliProcess.Result r =
        run(
            task(
                "fallback",
                "  steps:\n"
                    + llm("gpt-4o", "")
                    + "      fallbacks:\n        - llm: {model: gpt-4o-mini}\n"));
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(step(r).path("fallback").asText()).isEqualTo("llm");
    assertThat(step(r).path("degraded").asBoolean()).isTrue();
    assertThat(condition(r, "Degraded").path("status").asText()).isEqualTo("True");
    assertThat(condition(r, "Degraded").path("reason").asText()).isEqualTo("FallbackUsed");
    assertThat(r.out()).contains("FallbackUsed");
    assertThat(sim.requests())
        .extracting(RecordedRequest::model)
        .containsSequence("gpt-4o", "gpt-4o", "gpt-4o", "gpt-4o", "gpt-4o-mini");
  }

  @Test
  void httpStepThenForEachOverItsOutput() throws Exception {
    start(null);
    String steps =
        "  steps:\n    - name: fetch\n      http: {url: 'SIM/items?count=3', output: {select: 'response.body.items'}}\n"
            + "    - name: each\n      forEach: {items: 'steps.fetch.output', concurrency: 2}\n"
            + "      llm: {endpoint: 'SIM/v1', model: gpt-4o, messages: [{role: user, content: 'Title: {{ item.title }}'}]}\n";
    CliProcess.Result r = run(task("batch", steps));
    assertThat(r.exit()).as(r.all()).isZero();
    JsonNode each = r.status().path("steps").get(1);
    assertThat(each.path("items").path("succeeded").asInt()).isEqualTo(3);
    assertThat(each.path("output")).hasSize(3);
    assertThat(sim.requests())
        .extracting(RecordedRequest::idempotencyKey)
        .anyMatch(k -> k.endsWith("/each/2/1"));
  }

  @Test
  void theDefaultPolicyFileAppliesWhereTheTaskIsSilent() throws Exception {
    start("503@1-99/gpt-4o");
    Path policy = dir.resolve("defaults.yaml");
    Files.writeString(
        policy,
        "classify:\n  - {when: 'response.status == 503', tier: Fatal, reason: ProviderDown}\n");
    Path f = task("outage", "  steps:\n" + llm("gpt-4o", ""));

    CliProcess.Result r = run(f, "--default-policy", policy.toString());

    assertThat(r.exit()).as(r.all()).isEqualTo(1);
    assertThat(step(r).path("lastError").path("reason").asText()).isEqualTo("ProviderDown");
    assertThat(step(r).path("lastError").path("tier").asText()).isEqualTo("Fatal");
    assertThat(sim.requests()).hasSize(1);
  }

  @Test
  void aStepsOwnClassifyRuleOverridesTheBuiltInTable() throws Exception {
    start("503@1-99/gpt-4o");
    String steps =
        "  steps:\n"
            + llm("gpt-4o", "")
            + "      classify: [{when: 'response.status == 503', tier: Fatal, reason: ProviderDown}]\n";
    CliProcess.Result r = run(task("step-classify", steps));
    assertThat(r.exit()).as(r.all()).isEqualTo(1);
    assertThat(step(r).path("lastError").path("reason").asText()).isEqualTo("ProviderDown");
    assertThat(sim.requests()).hasSize(1);
  }

  @Test
  void anInvalidDefaultPolicyExitsTwoNamingTheField() throws Exception {
    Path policy = dir.resolve("defaults.yaml");
    Files.writeString(policy, "retry: {maxAttemps: 3}\n");
    CliProcess.Result r =
        CliProcess.run(
            dir,
            "run",
            Path.of("examples/quickstart.yaml").toAbsolutePath().toString(),
            "--default-policy",
            policy.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .contains("--default-policy " + policy + ": retry.maxAttemps: unknown field");
  }

  @Test
  void invalidFileExitsTwo() throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(
        f,
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: bad}\nspec: {steps: []}\n");
    CliProcess.Result r = CliProcess.run(dir, "run", f.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("spec.steps");
  }

  @Test
  void jobStepsAreReportedAsUnsupported() throws Exception {
    CliProcess.Result r =
        CliProcess.run(dir, "run", Path.of("examples/job-step.yaml").toAbsolutePath().toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("spec.steps[0].job").contains("need a cluster");
  }

  @Test
  void missingSecretIsFatal() throws Exception {
    start(null);
    Path f = task("nosecret", "  steps:\n" + llm("gpt-4o", "").replace("key: key", "key: other"));
    CliProcess.Result r = run(f);
    assertThat(r.exit()).isEqualTo(1);
    assertThat(step(r).path("lastError").path("reason").asText()).isEqualTo("SecretNotFound");
    assertThat(sim.requests()).isEmpty();
  }

  @Test
  void agentCallsToolsAndAnswersWithTheirResults() throws Exception {
    start(null);
    String steps =
        "  steps:\n    - name: research\n      agent:\n        maxIterations: 5\n"
            + "        llm: {endpoint: 'SIM/v1', model: gpt-4o, messages: [{role: user, content: 'Which items are about billing?'}]}\n"
            + "        tools:\n          - name: list_items\n            parameters: {type: object, required: [count], properties: {count: {type: integer, minimum: 2, maximum: 5}}}\n"
            + "            http: {url: 'SIM/items?count={{ args.count }}'}\n";
    CliProcess.Result r = run(task("agent", steps));
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("AgentIteration").contains("calling list_items");
    assertThat(step(r).path("output").asText()).contains("Item 1");
    assertThat(sim.requests())
        .extracting(RecordedRequest::api)
        .containsExactly("openai", "http", "openai");
    assertThat(sim.requests().get(1).path()).contains("/items");
    JsonNode second = sim.requests().get(2).body().path("messages");
    assertThat(second.toString()).contains("tool_call_id").contains("Item 2");
  }

  @Test
  void aFailingToolCallIsRetriedWithBackoffAndThenAFatalOneGoesToTheModel() throws Exception {
    // The /items fixture fails twice (500, then 401) under the fault name "http".
    start("500@1/http,401@2/http");
    String steps =
        "  steps:\n    - name: research\n      agent:\n        maxIterations: 6\n"
            + "        llm: {endpoint: 'SIM/v1', model: gpt-4o, messages: [{role: user, content: 'Which items are about billing?'}]}\n"
            + "        tools:\n          - name: list_items\n            parameters: {type: object, required: [count], properties: {count: {type: integer, minimum: 2, maximum: 5}}}\n"
            + "            http: {url: 'SIM/items?count={{ args.count }}'}\n";
    CliProcess.Result r = run(task("agent-retry", steps));
    assertThat(r.exit()).as(r.all()).isZero();
    // 500 is Transient: the tool call waits its backoff and runs again, with a new key.
    assertThat(r.out()).contains("tool list_items: ServerError (500), retry 2/4 in");
    // 401 is Fatal for the tool, not for the task: the model reads the error.
    assertThat(r.out()).contains("tool list_items: Unauthorized (401); the model gets the error");
    assertThat(sim.requests())
        .extracting(RecordedRequest::api)
        .containsExactly("openai", "http", "http", "openai");
    assertThat(sim.requests()).extracting(RecordedRequest::idempotencyKey).doesNotHaveDuplicates();
    assertThat(sim.requests().get(3).body().toString()).contains("error: Unauthorized");
    assertNoCanary(r);
  }

  @Test
  void anthropicAgentUsesToolUseBlocks() throws Exception {
    start(null);
    String steps =
        "  steps:\n    - name: research\n      agent:\n"
            + "        llm: {api: anthropic, endpoint: 'SIM/v1', model: claude-x, maxTokens: 300, messages: [{role: user, content: 'Echo a note'}]}\n"
            + "        tools:\n          - name: echo\n            parameters: {type: object, required: [note], properties: {note: {type: string}}}\n"
            + "            http: {method: POST, url: 'SIM/echo', body: {note: '{{ args.note }}'}}\n";
    CliProcess.Result r = run(task("anthropic-agent", steps));
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(sim.requests().get(2).body().toString())
        .contains("tool_result")
        .contains("tool_use");
  }

  @Test
  void chaosAnnotationInjectsFaultsThatAreHealed() throws Exception {
    start(null);
    Path f =
        task(
            "chaos",
            "  steps:\n"
                + llm("gpt-4o", "")
                    .replace(
                        "- name: ask",
                        "- name: ask\n      retry: {maxAttempts: 3, backoff: {initialDelay: 10ms, maxDelay: 20ms}}")
                + "      fallbacks:\n        - value: {answer: canned}\n");
    Files.writeString(
        f,
        Files.readString(f)
            .replace(
                "metadata: {name: chaos}",
                "metadata:\n  name: chaos\n  annotations:\n    steadfast.dev/chaos: '{\"rate\": 1.0, \"faults\": [\"500\", \"network\"], \"seed\": 3}'"));
    ProcessBuilder pb =
        CliProcess.builder(
            dir,
            "run",
            f.toString(),
            "--state-dir",
            dir.resolve("state").toString(),
            "--secrets-dir",
            dir.resolve("secrets").toString(),
            "--status-out",
            dir.resolve("status.yaml").toString());
    pb.environment().put("STEADFAST_CHAOS", "1");
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    // Every real attempt fails before the call; the value fallback (no call) heals the task.
    assertThat(out)
        .contains("fault injection on")
        .contains("StepRetrying")
        .contains("FallbackUsed");
    assertThat(Files.readString(dir.resolve("status.yaml")))
        .contains("injected by steadfast.dev/chaos")
        .contains("canned");
    assertThat(sim.requests()).isEmpty(); // injected faults never reach the server
  }

  static JsonNode condition(CliProcess.Result r, String type) {
    for (JsonNode c : r.status().path("conditions")) {
      if (c.path("type").asText().equals(type)) {
        return c;
      }
    }
    throw new AssertionError("no condition " + type);
  }
}
