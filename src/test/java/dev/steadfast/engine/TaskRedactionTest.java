package dev.steadfast.engine;

import static dev.steadfast.executors.CanaryEcho.CANARY;
import static dev.steadfast.executors.CanaryEcho.assertNoCanary;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.breaker.BreakerStore;
import dev.steadfast.engine.breaker.Breakers;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Call;
import dev.steadfast.engine.exec.Executor;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.format.Json;
import dev.steadfast.executors.CanaryEcho;
import dev.steadfast.local.LocalSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redaction at the engine's choke point, with the real http executor against a server that echoes
 * the Secret it was sent: step outputs, agent transcripts, the response cache and events never
 * carry it, and each task's masks hold only the values that task resolved.
 */
class TaskRedactionTest {
  @TempDir Path dir;
  CanaryEcho echo;
  Executor real;
  final List<JsonNode> cached = new ArrayList<>();
  EngineHarness h;

  @BeforeEach
  void setUp() throws Exception {
    echo = CanaryEcho.start();
    Files.createDirectories(dir.resolve("api"));
    Files.writeString(dir.resolve("api/token"), CANARY);
    real = LocalSession.executors(Clock.systemUTC(), dir);
    ResponseCache memory = ResponseCache.inMemory(ResponseCache.DEFAULT_BYTES);
    ResponseCache spy =
        new ResponseCache() {
          @Override
          public Optional<JsonNode> get(String namespace, String key) {
            return memory.get(namespace, key);
          }

          @Override
          public void put(String namespace, String key, JsonNode output) {
            cached.add(output);
            memory.put(namespace, key, output);
          }
        };
    h = new EngineHarness(new Breakers(new MutableClock(Instant.EPOCH), BreakerStore.NONE), spy);
  }

  @AfterEach
  void tearDown() {
    echo.close();
  }

  static TaskRef task(String name, String namespace, String yaml) {
    try {
      AgentTask t =
          Json.YAML.readValue(
              "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: x}\nspec:\n"
                  + yaml,
              AgentTask.class);
      return new TaskRef(name, namespace, "uid-" + name, 1L, t.getSpec(), Map.of());
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  String echoStep(String name, String path) {
    return "    - name: "
        + name
        + "\n      http: {url: '"
        + echo.url()
        + path
        + "', auth: {secretRef: {name: api, key: token}}}\n";
  }

  @Test
  void anEchoedSecretIsInNoOutputCacheEntryOrEvent() {
    TaskRef t =
        task(
            "t",
            "ns",
            "  steps:\n"
                + echoStep("fetch", "/echo")
                + echoStep("text", "/text").replace("}}}", "}}, output: {format: text}}"));

    AgentTaskStatus s = h.run(t, real::execute);

    assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(echo.tokens()).containsOnly(CANARY).hasSize(2);
    assertThat(s.steps.get(0).output.get("basic").asText()).contains("[REDACTED]");
    assertNoCanary("status", Json.write(s));
    assertThat(cached).hasSize(2);
    assertNoCanary("cache entries", Json.write(cached));
    assertNoCanary("events", Json.write(h.events));
  }

  /** A failure whose body echoes the Secret: its line in the step's history is masked too. */
  @Test
  void anEchoedSecretIsInNoAttemptHistory() {
    TaskRef t =
        task(
            "t",
            "ns",
            "  steps:\n"
                + echoStep("fetch", "/fail")
                + "      retry: {maxAttempts: 2, backoff: {initialDelay: 1s, jitter: None}}\n");

    AgentTaskStatus s = h.run(t, real::execute);

    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    assertThat(s.steps.get(0).history).hasSize(2);
    assertThat(s.steps.get(0).history.get(0).message).contains("[REDACTED]");
    assertNoCanary("history", Json.write(s.steps.get(0).history));
  }

  /**
   * An agent whose tool echoes the Secret it sends, and a model that repeats it: the transcript
   * (tool results and model messages) and the answer are masked, as is what the model is sent next.
   */
  @Test
  void anAgentsTranscriptAndAnswerAreMasked() {
    TaskRef t =
        task(
            "agent",
            "ns",
            "  steps:\n    - name: research\n      agent:\n"
                + "        llm: {endpoint: 'http://llm.test/v1', model: m, messages: [{role: user, content: hi}]}\n"
                + "        tools:\n          - name: lookup\n            http: {url: '"
                + echo.url()
                + "/echo', auth: {secretRef: {name: api, key: token}}}\n");
    List<JsonNode> modelSaw = new ArrayList<>();

    AgentTaskStatus s =
        h.run(
            t,
            r -> {
              if (!(r.call() instanceof Call.AgentCall agent)) {
                return real.execute(r);
              }
              modelSaw.add(agent.transcript());
              return model(agent.transcript());
            });

    assertThat(s.steps.get(0).phase).isEqualTo(StepPhase.Succeeded);
    assertThat(echo.tokens()).containsExactly(CANARY);
    JsonNode transcript = s.checkpoint.steps.get(0).units.get(0).transcript;
    assertThat(transcript.toString()).contains("[REDACTED]");
    assertNoCanary("transcript", transcript.toString());
    assertNoCanary("what the model was sent", Json.write(modelSaw));
    assertThat(s.steps.get(0).output.asText()).isEqualTo("the token is [REDACTED]");
    assertNoCanary("status", Json.write(s));
  }

  /** Asks for lookup, then says its "thought" aloud with the secret in it, then answers. */
  private static Outcome model(JsonNode transcript) {
    int results = 0;
    for (JsonNode m : transcript == null ? List.<JsonNode>of() : transcript) {
      results += m.path("role").asText().equals("tool") ? 1 : 0;
    }
    if (results == 0) {
      ArrayNode t = JsonNodeFactory.instance.arrayNode();
      var msg = t.addObject().put("role", "assistant").put("content", "looking up");
      msg.putArray("toolCalls")
          .addObject()
          .put("id", "c1")
          .put("name", "lookup")
          .set("arguments", JsonNodeFactory.instance.objectNode());
      return new Outcome.Progress(t, "calling lookup");
    }
    return new Outcome.Success(TextNode.valueOf("the token is " + CANARY));
  }

  /**
   * Task A (namespace team-a) has resolved the Secret and is still running; task B (team-b), which
   * never resolved it, gets the same value back from a server: B's output is not masked. Masks
   * shared across tasks would tell B's author, by what comes back masked, what A's values are.
   */
  @Test
  void aTasksMasksHoldOnlyTheValuesItResolved() {
    echo.staticBody("{\"said\": \"" + CANARY.replace("\"", "\\\"") + "\"}");
    TaskRef a =
        task("a", "team-a", "  steps:\n" + echoStep("fetch", "/echo") + echoStep("again", "/echo"));
    TaskRef b =
        task(
            "b",
            "team-b",
            "  steps:\n    - name: ask\n      http: {url: '" + echo.url() + "/static'}\n");
    AgentTaskStatus sa = new AgentTaskStatus();
    List<EngineEvent> events = new ArrayList<>();
    h.engine.prepare(a, sa);
    Attempt first = h.engine.plan(a, sa, Set.of(), events).start().get(0);
    h.engine.complete(a, sa, first, real.execute(first.request()), Duration.ZERO, events);
    assertThat(sa.steps.get(0).output.get("raw").asText()).isEqualTo("[REDACTED]");
    assertThat(sa.phase).isNotEqualTo(TaskPhase.Succeeded);

    AgentTaskStatus sb = h.run(b, real::execute);

    assertThat(sb.steps.get(0).output.get("said").asText()).isEqualTo(CANARY);
    h.resume(a, sa, real::execute, 10);
    assertThat(sa.phase).isEqualTo(TaskPhase.Succeeded);
    assertNoCanary("task A", Json.write(sa));
    assertThat(h.engine.redactorsHeld()).as("finished tasks are forgotten").isZero();
  }

  /**
   * A request built outside the engine still has a redactor of its own, masking what it resolved.
   */
  @Test
  void anAttemptsOwnRedactorIsMergedIntoItsTasks() {
    TaskRef t = task("t", "ns", "  steps:\n" + echoStep("fetch", "/echo"));
    AgentTaskStatus s = new AgentTaskStatus();
    List<EngineEvent> events = new ArrayList<>();
    h.engine.prepare(t, s);
    Attempt planned = h.engine.plan(t, s, Set.of(), events).start().get(0);
    AttemptRequest r = planned.request();
    AttemptRequest detached =
        new AttemptRequest(r.namespace(), r.idempotencyKey(), r.timeout(), r.classify(), r.call());
    Attempt attempt =
        new Attempt(
            planned.step(),
            planned.item(),
            planned.number(),
            planned.stage(),
            planned.fallback(),
            detached,
            planned.digest(),
            planned.breakerKey());

    h.engine.complete(t, s, attempt, real.execute(detached), Duration.ZERO, events);

    assertThat(detached.redactor()).isNotSameAs(r.redactor());
    assertNoCanary("status", Json.write(s));
  }

  /**
   * A restarted process holds no masks: the attempt that was in flight runs again, resolves the
   * Secret again (registering it) before the response arrives, and its output is masked.
   */
  @Test
  void aResumedTaskMasksAgainInANewProcess() throws Exception {
    TaskRef t =
        task("t", "ns", "  steps:\n" + echoStep("fetch", "/echo") + echoStep("again", "/echo"));
    AgentTaskStatus s = new AgentTaskStatus();
    List<EngineEvent> events = new ArrayList<>();
    h.engine.prepare(t, s);
    Attempt first = h.engine.plan(t, s, Set.of(), events).start().get(0);
    h.engine.complete(t, s, first, real.execute(first.request()), Duration.ZERO, events);
    h.engine.plan(t, s, Set.of(), events); // "again" is in flight when the process dies
    String checkpoint = Json.write(s);

    EngineHarness restarted = new EngineHarness();
    AgentTaskStatus resumed =
        restarted.resume(
            t, Json.MAPPER.readValue(checkpoint, AgentTaskStatus.class), real::execute, 10);

    assertThat(resumed.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(resumed.steps.get(1).output.get("raw").asText()).isEqualTo("[REDACTED]");
    assertNoCanary("resumed status", Json.write(resumed));
  }
}
