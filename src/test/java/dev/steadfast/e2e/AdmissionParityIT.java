package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * docs/security.md "Admission agrees with validate": each task of the invalid corpus ({@code
 * src/test/resources/invalid/}, the field to name on its first line, what is wrong on its second)
 * goes through {@code steadfast validate FILE} and through {@code kubectl create --dry-run=server}
 * against a real API server with the committed CRD. Both refuse it, naming the field, except the
 * cases in {@link #VALIDATE_ONLY}: the API server admits those (asserted, so that a CRD that learns
 * to refuse one moves it out of the list), and the operator stalls them with {@code InvalidSpec}.
 */
@RealApiServer
class AdmissionParityIT {
  static final String NS = "admission-parity";
  static final Path CORPUS = Path.of("src", "test", "resources", "invalid");

  /**
   * The cases only {@code validate} can catch, and why no OpenAPI schema or CRD CEL rule can say
   * them. Most live inside strings the API server sees as text: task expressions, and templates
   * holding expressions.
   */
  static final Map<String, String> VALIDATE_ONLY =
      Map.ofEntries(
          Map.entry(
              "when-does-not-compile.yaml",
              "task expressions are CEL over variables (inputs, steps, item) that exist only at run"
                  + " time; to the API server they are strings, and a CRD rule cannot compile CEL"),
          Map.entry(
              "when-type-error.yaml",
              "type-checking a task expression needs its compiler and its variable declarations,"
                  + " which a CRD rule does not have"),
          Map.entry(
              "foreach-items-does-not-compile.yaml",
              "forEach.items is a task expression: not compiled at admission"),
          Map.entry(
              "classify-when-does-not-compile.yaml",
              "classify conditions are CEL over the response, compiled only by the engine"),
          Map.entry(
              "template-unknown-step.yaml",
              "a reference to a step sits inside a {{ }} expression of a templated string; finding it"
                  + " means parsing the template and the expression, which a CRD rule cannot"),
          Map.entry(
              "template-later-step.yaml",
              "the same, plus the order of steps: which step runs before which is read from the"
                  + " parsed references"),
          Map.entry(
              "when-cel-cost-bomb.yaml",
              "the cost of a task expression depends on the values it runs over (here inputs.xs);"
                  + " the API server bounds the cost of the CRD's own rules, not of CEL held in strings"),
          Map.entry(
              "url-host-from-output.yaml",
              "whether an expression lands in the scheme and host of a URL depends on the text"
                  + " rendered before it (inputs evaluated), which only the template renderer knows"),
          Map.entry(
              "outputschema-not-a-schema.yaml",
              "outputSchema is free-form JSON to the API server (preserve-unknown-fields); checking"
                  + " it against the JSON Schema meta-schema needs a JSON Schema validator"),
          Map.entry(
              "foreach-items-string-literal.yaml",
              "forEach.items is a task expression: its type is known only to the CEL type checker"),
          Map.entry(
              "duplicate-step-names.yaml",
              "a CRD rule can say it only by comparing every pair of steps, which the API server"
                  + " runs again on every status write (0.3 s of its CPU per write of a 100-step"
                  + " task); list keys would change how server-side apply merges the steps of"
                  + " tasks created before (a step removed from a manifest would stay)"),
          Map.entry(
              "template-unclosed.yaml",
              "a {{ without its }} is a templated string to the API server; a CRD rule could match"
                  + " it, but the templates of a task are many fields deep, so only validate scans them"));

  static KubeApiServer server;

  @BeforeAll
  static void installCrd(KubeApiServer apiServer) {
    server = apiServer;
    apiServer.namespace(NS);
    apiServer.installCrd();
  }

  static Stream<Path> corpus() throws IOException {
    try (Stream<Path> files = Files.list(CORPUS)) {
      List<Path> yaml = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
      assertThat(yaml).hasSizeGreaterThanOrEqualTo(70);
      return yaml.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("corpus")
  void validateAndTheApiServerBothRefuseIt(Path file) throws IOException {
    String text = Files.readString(file);
    List<String> header = text.lines().limit(2).toList();
    assertThat(header.get(0)).as("first line of " + file).startsWith("# expect: ");
    assertThat(header.get(1)).as("second line of " + file + " says what is wrong").startsWith("# ");
    String field = header.get(0).substring("# expect: ".length()).trim();
    // The whole path, or an element of it: "spec.steps:" or "spec.steps[1]:", not "spec.stepsX".
    Pattern namesField = Pattern.compile("(?<![\\w.\\]-])" + Pattern.quote(field) + "[:\"\\[]");

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute("validate", file.toString());
    assertThat(exit).as("steadfast validate %s%n%s%s", file, out, err).isEqualTo(Main.EXIT_INVALID);
    assertThat(err.toString()).containsPattern(namesField);

    // `create` rather than `apply`: the same admission (the namespace holds no AgentTask, so apply
    // would create), without apply's client-side lookup that stops a task with an empty name
    // before the API server sees it.
    Kubectl.Result apply =
        server
            .kubectl()
            .run(
                "create", "--dry-run=server", "--validate=strict", "-n", NS, "-f", file.toString());
    String name = file.getFileName().toString();
    if (VALIDATE_ONLY.containsKey(name)) {
      assertThat(apply.exitCode())
          .as("the API server admits %s (%s)%n%s", name, VALIDATE_ONLY.get(name), apply)
          .isZero();
    } else {
      assertThat(apply.exitCode()).as("the API server admitted %s%n%s", name, apply).isNotZero();
      assertThat(apply.stderr()).as(apply.toString()).containsPattern(namesField);
    }
  }

  @Test
  void everyValidateOnlyCaseIsInTheCorpus() throws IOException {
    List<String> names = corpus().map(p -> p.getFileName().toString()).toList();
    assertThat(names).containsAll(VALIDATE_ONLY.keySet());
  }
}
