package dev.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateCommandTest {
  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    var out = new java.io.StringWriter();
    var err = new java.io.StringWriter();
    CommandLine cmd = new CommandLine(new Main());
    cmd.setOut(new java.io.PrintWriter(out));
    cmd.setErr(new java.io.PrintWriter(err));
    int code = cmd.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void validFilesExitZero() {
    Result r = run("validate", "examples/quickstart.yaml", "examples/agent-tools.yaml");
    assertThat(r.code).isZero();
    assertThat(r.out).contains("quickstart: valid").contains("research-agent: valid");
  }

  @Test
  void aForkWithItsAnnotationsIsValid(@TempDir Path dir) throws Exception {
    Path fork = dir.resolve("fork.yaml");
    Files.writeString(
        fork,
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata:\n  name: essay-fork\n"
            + "  annotations: {steadfast.dev/fork-of: essay, steadfast.dev/fork-from: write}\n"
            + "spec:\n  steps:\n    - name: write\n      http: {url: 'https://x.test/'}\n");
    Result r = run("validate", fork.toString());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).contains("essay-fork: valid");
  }

  @Test
  void invalidFileExitsTwoWithFieldPaths(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(
        bad,
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: bad}\n"
            + "spec:\n  steps:\n    - name: a\n      forEach: {items: x, concurrency: 65}\n"
            + "      http: {url: 'http://x'}\n");
    Result r = run("validate", "examples/quickstart.yaml", bad.toString());
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err).contains("bad.yaml: bad: spec.steps[0].forEach.concurrency");
  }

  @Test
  void eachProblemIsOneLineWithItsFieldPath(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("cel.yaml");
    Files.writeString(
        bad,
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: cel}\n"
            + "spec:\n  steps:\n    - name: a\n      when: 'inputs.x >'\n"
            + "      http: {url: 'http://x/{{ steps.nope.output }}'}\n");
    Result r = run("validate", bad.toString());
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err.lines().toList())
        .hasSize(2)
        .allSatisfy(line -> assertThat(line).startsWith(bad + ": cel: spec.steps[0]."))
        .anySatisfy(line -> assertThat(line).contains(".when: CEL expression does not compile"))
        .anySatisfy(line -> assertThat(line).contains(".http.url: references unknown step"));
  }

  @Test
  void everyProblemOfAFileInOneRun(@TempDir Path dir) throws Exception {
    // Before: the bad enum stopped the semantic pass, and the rule on spec.steps hid the rest.
    Path bad = dir.resolve("many.yaml");
    Files.writeString(
        bad,
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: many}\n"
            + "spec:\n  steps:\n"
            + "    - name: a\n      http: {url: 'http://x', method: FETCH}\n"
            + "    - name: a\n      llm: {endpoint: 'http://h', messages: [{role: user, content: hi}]}\n"
            + "    - name: c\n      when: 'inputs.x >'\n"
            + "      http: {url: 'http://{{ steps.a.output }}/x'}\n");
    Result r = run("validate", bad.toString());
    assertThat(r.code).isEqualTo(2);
    List<String> problems =
        r.err.lines().map(l -> l.substring((bad + ": many: ").length())).toList();
    assertThat(problems)
        .extracting(p -> p.substring(0, p.indexOf(": ")))
        .containsExactlyInAnyOrder(
            "spec.steps[1].name",
            "spec.steps[0].http.method",
            "spec.steps[1].llm.model",
            "spec.steps[2].when",
            "spec.steps[2].http.url");
    assertThat(problems)
        .contains(
            "spec.steps[1].name: step names must be unique", "spec.steps[1].llm.model: is required")
        .anySatisfy(p -> assertThat(p).contains("method: does not have a value in the enum"))
        .anySatisfy(p -> assertThat(p).contains("when: CEL expression does not compile"))
        .anySatisfy(p -> assertThat(p).contains("url: the scheme and host may not come from"));
  }

  @Test
  void aCelBombIsRefusedNamingItsField(@TempDir Path dir) throws Exception {
    // docs/security.md: four nested all() over a 300-element list would spin for minutes at run
    // time.
    String xs =
        java.util.stream.IntStream.range(0, 300)
            .mapToObj(Integer::toString)
            .collect(java.util.stream.Collectors.joining(",", "[", "]"));
    String when =
        "inputs.xs.all(a, inputs.xs.all(b, inputs.xs.all(c, inputs.xs.all(d, a+b+c+d >= 0))))";
    Path bomb = dir.resolve("bomb.yaml");
    Files.writeString(
        bomb,
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: bomb}\n"
            + "spec:\n  inputs: {xs: "
            + xs
            + "}\n  steps:\n    - name: a\n"
            + "      when: '"
            + when
            + "'\n      http: {url: 'https://api.test/x'}\n"
            + "      classify: [{when: '"
            + xs
            + ".all(a, "
            + xs
            + ".all(b, "
            + xs
            + ".all(c, true)))', tier: Fatal, reason: X}]\n");
    Result r = run("validate", bomb.toString());
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err.lines().toList())
        .hasSize(2)
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith(bomb + ": bomb: spec.steps[0].when: ")
                    .contains("CEL expression is too expensive"))
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith(bomb + ": bomb: spec.steps[0].classify[0].when: ")
                    .contains("CEL expression is too expensive"));
  }

  @Test
  void unreadableFilesExitTwo(@TempDir Path dir) throws Exception {
    Path notYaml = dir.resolve("x.yaml");
    Files.writeString(notYaml, "a: [unclosed\n");
    assertThat(run("validate", dir.resolve("missing.yaml").toString()).code).isEqualTo(2);
    Result r = run("validate", notYaml.toString());
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err).contains("not valid YAML");
  }

  @Test
  void badFlagsExitTwo() {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(sink));
    try {
      assertThat(Main.execute("validate")).isEqualTo(2);
    } finally {
      System.setErr(old);
    }
  }

  @Test
  void aliasesAndMergeKeysResolveAsKubectlResolvesThem(@TempDir Path dir) throws Exception {
    // Before: `<<: *p` became {"<<": "p"} (an unknown field) and `*u` the string "u".
    Path file = dir.resolve("anchors.yaml");
    Files.writeString(
        file,
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: anchors}\n"
            + "spec:\n  inputs: {base: &u 'https://api.test/x', p: &p {timeout: 5s}}\n"
            + "  policy:\n    <<: *p\n    retry: {maxAttempts: 2}\n"
            + "  steps:\n    - name: a\n      http: {url: *u}\n");
    Result r = run("validate", file.toString());
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).contains("anchors: valid");
  }

  @Test
  void aDuplicateKeyIsRefusedNamingTheKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("dup.yaml");
    Files.writeString(
        file,
        "apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: dup}\n"
            + "spec:\n  steps:\n    - name: a\n      http: {url: 'https://api.test/x'}\n"
            + "      timeout: 5s\n      timeout: 50s\n");
    String[][] commands = {
      {"validate", file.toString()}, {"run", file.toString(), "--state-dir", dir + "/s"}
    };
    for (String[] args : commands) {
      String cmd = args[0];
      Result r = run(args);
      assertThat(r.code).as(cmd).isEqualTo(2);
      assertThat(r.err.lines().toList())
          .as(cmd)
          .singleElement()
          .satisfies(l -> assertThat(l).contains("duplicate key \"timeout\"").contains("line 9"));
    }
    assertThat(dir.resolve("s")).doesNotExist();
  }
}
