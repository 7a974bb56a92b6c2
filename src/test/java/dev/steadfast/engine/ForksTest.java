package dev.steadfast.engine;

import static dev.steadfast.engine.TaskEngineTest.fail;
import static dev.steadfast.engine.TaskEngineTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.OutputRef;
import dev.steadfast.api.StepPhase;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.api.Tier;
import dev.steadfast.api.Usage;
import dev.steadfast.engine.exec.AttemptRequest;
import dev.steadfast.engine.exec.Outcome;
import dev.steadfast.engine.status.Conditions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** A fork starts from its source's checkpoint: what it carries, and what it runs again. */
class ForksTest {
  static final String STEPS =
      "  steps:\n"
          + "    - name: fetch\n      http: {url: 'http://api.test/fetch'}\n"
          + "    - name: plan\n      http: {url: 'http://api.test/plan'}\n"
          + "    - name: write\n      http: {url: 'http://api.test/write'}\n";

  /** fetch and plan succeed, write fails Fatal: the source a person forks. */
  static AgentTaskStatus failedSource(EngineHarness h) {
    AgentTaskStatus s =
        h.run(
            EngineHarness.task(STEPS),
            r ->
                r.idempotencyKey().contains("/write/")
                    ? fail(Tier.Fatal, "Unauthorized", 401, null)
                    : ok("out of " + r.idempotencyKey().split("/")[1]));
    assertThat(s.phase).isEqualTo(TaskPhase.Failed);
    s.usage = usage(100);
    s.steps.get(0).usage = usage(40);
    return s;
  }

  static Usage usage(long tokens) {
    Usage u = new Usage();
    u.inputTokens = tokens;
    u.outputTokens = 0L;
    return u;
  }

  /** The fork as the operator sees it: its own uid, same namespace. */
  static TaskRef fork(String steps) {
    TaskRef t = EngineHarness.task(steps);
    return new TaskRef("t-fork", "ns", "uid-2", 1L, t.spec(), java.util.Map.of());
  }

  static Function<AttemptRequest, Outcome> recording(List<String> calls) {
    return r -> {
      calls.add(r.idempotencyKey());
      return ok("fixed " + r.idempotencyKey().split("/")[1]);
    };
  }

  @Test
  void carriesTheFinishedStepsAndRunsOnlyTheRest() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus source = failedSource(h);
    TaskRef fork = fork(STEPS);
    assertThat(Forks.defaultFrom(fork.spec(), source)).isEqualTo("write");

    AgentTaskStatus status = new AgentTaskStatus();
    List<EngineEvent> events = new ArrayList<>();
    h.engine.fork(fork, status, "t", source, "write", events);

    assertThat(status.forkedFrom.task).isEqualTo("t");
    assertThat(status.forkedFrom.step).isEqualTo("write");
    assertThat(status.forkedFrom.carried).containsExactly("fetch", "plan");
    assertThat(events)
        .filteredOn(e -> e.type() == EventType.Forked)
        .extracting(EngineEvent::message)
        .containsExactly("forked from t: carried 2 finished steps (fetch, plan); runs from write");
    assertThat(events).noneMatch(e -> e.type() == EventType.SpecChanged);
    // The budget starts fresh; a carried step keeps its own figure, as information.
    assertThat(status.usage).isNull();
    assertThat(status.steps.get(0).usage.inputTokens).isEqualTo(40L);

    List<String> calls = new ArrayList<>();
    AgentTaskStatus done = h.resume(fork, status, recording(calls), 100);
    assertThat(done.phase).isEqualTo(TaskPhase.Succeeded);
    assertThat(calls).containsExactly("uid-2/write/-/1");
    assertThat(done.attempts).isEqualTo(1);
    assertThat(done.steps.get(0).output).isEqualTo(source.steps.get(0).output);
    assertThat(done.steps.get(1).output).isEqualTo(TextNode.valueOf("out of plan"));
    assertThat(done.steps.get(2).output).isEqualTo(TextNode.valueOf("fixed write"));
    assertThat(Conditions.isTrue(done.conditions, Conditions.READY)).isTrue();
  }

  @Test
  void fromAnEarlierStepRunsItAndTheStepsAfterIt() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus source = failedSource(h);
    AgentTaskStatus status = new AgentTaskStatus();
    h.engine.fork(fork(STEPS), status, "t", source, "plan", new ArrayList<>());
    assertThat(status.forkedFrom.carried).containsExactly("fetch");
    List<String> calls = new ArrayList<>();
    h.resume(fork(STEPS), status, recording(calls), 100);
    assertThat(calls).containsExactly("uid-2/plan/-/1", "uid-2/write/-/1");
  }

  @Test
  void aStepTheForksSpecChangedRunsAgainWithEverythingAfterIt() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus source = failedSource(h);
    String edited = STEPS.replace("http://api.test/plan", "http://api.test/plan-v2");
    AgentTaskStatus status = new AgentTaskStatus();
    List<EngineEvent> events = new ArrayList<>();
    h.engine.fork(fork(edited), status, "t", source, "write", events);
    // The rule of a changed spec decides: fetch is unchanged and kept, plan changed.
    assertThat(status.forkedFrom.carried).containsExactly("fetch");
    assertThat(events)
        .filteredOn(e -> e.type() == EventType.Forked)
        .extracting(EngineEvent::message)
        .containsExactly("forked from t: carried 1 finished step (fetch); runs from plan");
    List<String> calls = new ArrayList<>();
    h.resume(fork(edited), status, recording(calls), 100);
    assertThat(calls).containsExactly("uid-2/plan/-/1", "uid-2/write/-/1");
  }

  @Test
  void aChangeAfterTheForkStartedFollowsTheSameRule() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus source = failedSource(h);
    AgentTaskStatus status = new AgentTaskStatus();
    h.engine.fork(fork(STEPS), status, "t", source, "write", new ArrayList<>());
    String edited = STEPS.replace("http://api.test/write", "http://api.test/write-v2");
    List<String> calls = new ArrayList<>();
    h.resume(fork(edited), status, recording(calls), 100);
    assertThat(calls).containsExactly("uid-2/write/-/1");
    assertThat(status.forkedFrom.carried).containsExactly("fetch", "plan");
  }

  @Test
  void anOutputThatWasNotReadBackEndsWhatIsCarried() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus source = failedSource(h);
    // plan's output was stored in a ConfigMap that is gone: the driver could not read it back.
    source.steps.get(1).output = null;
    source.steps.get(1).outputRef = new OutputRef();
    AgentTaskStatus status = new AgentTaskStatus();
    h.engine.fork(fork(STEPS), status, "t", source, "write", new ArrayList<>());
    assertThat(status.forkedFrom.carried).containsExactly("fetch");
    assertThat(status.steps.get(0).outputRef).isNull();
    assertThat(status.steps.get(1).phase).isEqualTo(StepPhase.Pending);
  }

  @Test
  void aSourceWithNothingFinishedRunsFromTheStart() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus source =
        h.run(EngineHarness.task(STEPS), r -> fail(Tier.Fatal, "Unauthorized", 401, null));
    assertThat(Forks.defaultFrom(fork(STEPS).spec(), source)).isEqualTo("fetch");
    AgentTaskStatus status = new AgentTaskStatus();
    List<EngineEvent> events = new ArrayList<>();
    h.engine.fork(fork(STEPS), status, "t", source, "fetch", events);
    assertThat(status.forkedFrom.carried).isEmpty();
    assertThat(events)
        .filteredOn(e -> e.type() == EventType.Forked)
        .extracting(EngineEvent::message)
        .containsExactly("forked from t: no finished step carried; runs from the start");
    List<String> calls = new ArrayList<>();
    h.resume(fork(STEPS), status, recording(calls), 100);
    assertThat(calls).hasSize(3);
  }

  @Test
  void aMissingSourceOrStepFailsTheForkSayingWhichAnnotation() {
    EngineHarness h = new EngineHarness();
    AgentTaskStatus missing = new AgentTaskStatus();
    List<EngineEvent> events = new ArrayList<>();
    h.engine.fork(fork(STEPS), missing, "gone", null, "write", events);
    assertThat(missing.phase).isEqualTo(TaskPhase.Failed);
    assertThat(missing.forkedFrom).isNull();
    assertThat(missing.message)
        .contains("ForkSourceNotFound")
        .contains("steadfast.dev/fork-of names task 'gone', which is not in namespace ns");
    assertThat(Conditions.isTrue(missing.conditions, Conditions.STALLED)).isTrue();

    AgentTaskStatus noStep = new AgentTaskStatus();
    h.engine.fork(fork(STEPS), noStep, "t", failedSource(h), "publish", new ArrayList<>());
    assertThat(noStep.phase).isEqualTo(TaskPhase.Failed);
    assertThat(noStep.message)
        .contains("InvalidSpec")
        .contains("steadfast.dev/fork-from names step 'publish', which is not in spec.steps");
    // Failed for good: nothing of it is started.
    assertThat(h.engine.plan(fork(STEPS), noStep, java.util.Set.of(), events).start()).isEmpty();
  }
}
