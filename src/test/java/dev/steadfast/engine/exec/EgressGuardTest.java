package dev.steadfast.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.JobStep;
import dev.steadfast.api.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EgressGuardTest {
  final List<Call> sent = new ArrayList<>();
  final Executor delegate =
      request -> {
        sent.add(request.call());
        return new Outcome.Success(TextNode.valueOf("done"));
      };

  static AttemptRequest request(Call call) {
    return new AttemptRequest("default", "uid/s/0/1", Duration.ofSeconds(5), List.of(), call);
  }

  static Call.HttpCall http(String url) {
    return new Call.HttpCall("GET", url, Map.of(), null, null, List.of(), "json", null);
  }

  static Call.LlmCall llm(String endpoint) {
    return new Call.LlmCall("openai", endpoint, "m", null, List.of(), null, null, false, null);
  }

  @ParameterizedTest(name = "{0}:{1} vs {2} -> {3}")
  @CsvSource({
    "api.openai.com,     443,  *.openai.com,          true",
    "a.b.openai.com,     443,  *.openai.com,          true",
    "openai.com,         443,  *.openai.com,          false",
    "evilopenai.com,     443,  *.openai.com,          false",
    "api.openai.com.evil,443,  *.openai.com,          false",
    "API.OpenAI.com,     443,  *.openai.COM,          true",
    "api.openai.com.,    443,  *.openai.com,          true",
    "api.anthropic.com,  443,  api.anthropic.com,     true",
    "api.anthropic.com,  443,  anthropic.com,         false",
    "localhost,          8089, localhost:8089,        true",
    "localhost,          8090, localhost:8089,        false",
    "localhost,          8090, localhost,             true",
    "localhost,          8090, localhost:*,           true",
    "llm.internal,       80,   llm.*.svc,             false",
    "llm.team.svc,       80,   llm.*.svc,             true",
    "anything.example,   443,  *,                     true",
    "10.0.0.7,           80,   10.0.0.*,              true",
    "[::1],              8080, [::1]:8080,            true",
    "[::1],              8081, [::1]:8080,            false",
    "[::1],              8081, ::1,                   true",
    "api.openai.com,     443,  https://api.openai.com, false",
  })
  void globs(String host, int port, String glob, boolean expected) {
    assertThat(EgressGuard.matches(host, port, glob)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} allowed by {1}: {2}")
  @CsvSource({
    "https://api.openai.com/v1/chat,  *.openai.com,        true",
    "https://openai.com/v1,           *.openai.com,        false",
    "http://localhost:8089/v1,        localhost:8089,      true",
    "http://localhost/v1,             localhost:8089,      false",
    "https://api.openai.com/v1,       api.openai.com:443,  true",
    "http://api.openai.com/v1,        api.openai.com:443,  false",
    "http://api.openai.com@evil.test/, api.openai.com,     false",
  })
  void httpCallsAreCheckedByUrlHost(String url, String glob, boolean allowed) {
    Outcome outcome = new EgressGuard(delegate, List.of(glob)).execute(request(http(url)));

    assertThat(outcome instanceof Outcome.Success).isEqualTo(allowed);
    assertThat(sent).hasSize(allowed ? 1 : 0);
  }

  @Test
  void aDeniedCallIsFatalAndNeverReachesTheDelegate() {
    EgressGuard guard = new EgressGuard(delegate, List.of("*.openai.com", "localhost:8089"));

    Outcome outcome = guard.execute(request(http("https://exfil.example.com:8443/upload")));

    assertThat(sent).isEmpty();
    assertThat(outcome)
        .isEqualTo(
            new Outcome.Failed(
                Failure.of(
                    Tier.Fatal,
                    "EgressDenied",
                    "host exfil.example.com:8443 is not in --egress-allow")));
  }

  @Test
  void llmAndAgentCallsAreCheckedByTheirEndpoint() {
    EgressGuard guard = new EgressGuard(delegate, List.of("localhost:8089"));
    Call.AgentCall agentOk =
        new Call.AgentCall(llm("http://localhost:8089/v1"), List.of(), 5, null, null);
    Call.AgentCall agentDenied =
        new Call.AgentCall(llm("https://api.openai.com/v1"), List.of(), 5, null, null);

    assertThat(guard.execute(request(llm("http://localhost:8089/v1"))))
        .isInstanceOf(Outcome.Success.class);
    assertThat(guard.execute(request(agentOk))).isInstanceOf(Outcome.Success.class);
    assertThat(guard.execute(request(llm("https://api.anthropic.com/v1"))))
        .isEqualTo(
            new Outcome.Failed(
                Failure.of(
                    Tier.Fatal,
                    "EgressDenied",
                    "host api.anthropic.com is not in --egress-allow")));
    assertThat(guard.execute(request(agentDenied))).isInstanceOf(Outcome.Failed.class);
    assertThat(sent).hasSize(2);
  }

  @ParameterizedTest
  @CsvSource({"not a url", "ftp://files.example.com/x", "/relative/path", "''"})
  void unparseableUrlsAreInvalidSpec(String url) {
    Outcome outcome = new EgressGuard(delegate, List.of("*")).execute(request(http(url)));

    assertThat(outcome)
        .isInstanceOfSatisfying(
            Outcome.Failed.class,
            f -> {
              assertThat(f.failure().tier()).isEqualTo(Tier.Fatal);
              assertThat(f.failure().reason()).isEqualTo("InvalidSpec");
              assertThat(f.failure().message()).startsWith("http.url: ");
            });
    assertThat(sent).isEmpty();
  }

  @Test
  void anEmptyListAllowsEverythingAndJobsPassThrough() {
    new EgressGuard(delegate, List.of()).execute(request(http("https://anywhere.example")));
    new EgressGuard(delegate, List.of(" ", "")).execute(request(http("not even a url")));
    new EgressGuard(delegate, List.of("localhost"))
        .execute(request(new Call.JobCall(new JobStep(), "t", null)));

    assertThat(sent).hasSize(3);
  }

  @ParameterizedTest
  @CsvSource({"https://api.openai.com", "api.openai.com/v1", "host:port", "[::1", "a b"})
  void malformedGlobsAreRejectedAtStart(String glob) {
    assertThatThrownBy(() -> new EgressGuard(delegate, List.of(glob)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--egress-allow");
  }
}
