package dev.steadfast.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.Json;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.FieldValidateable.Validation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the real API server admits: the committed CRD installs and every example is accepted as is.
 * What it refuses, compared with `steadfast validate`, is {@link AdmissionParityIT}'s.
 */
@RealApiServer
class CrdAdmissionIT {
  static final String NS = "crd-admission";

  static final Comparator<JsonNode> NUMBERS_BY_VALUE =
      (a, b) ->
          a.isNumber() && b.isNumber()
              ? a.decimalValue().compareTo(b.decimalValue())
              : a.equals(b) ? 0 : 1;

  static KubeApiServer server;
  static KubernetesClient client;
  static CustomResourceDefinition crd;

  @BeforeAll
  static void installCrd(KubeApiServer apiServer) {
    server = apiServer;
    client = apiServer.client();
    apiServer.namespace(NS);
    crd = apiServer.installCrd();
  }

  @Test
  void crdIsEstablishedUnderItsNames() {
    assertThat(KubeApiServer.established(crd)).isTrue();
    var accepted = crd.getStatus().getAcceptedNames();
    assertThat(accepted.getKind()).isEqualTo("AgentTask");
    assertThat(accepted.getShortNames()).containsExactly("agt");
    assertThat(accepted.getCategories()).containsExactly("steadfast");
    Kubectl.Result resources = server.kubectl().run("api-resources", "--api-group=steadfast.dev");
    assertThat(resources.exitCode()).as(resources.toString()).isZero();
    assertThat(resources.stdout()).contains("agenttasks").contains("agt").contains("AgentTask");
  }

  static Stream<Path> examples() throws IOException {
    return files(Path.of("examples"));
  }

  @ParameterizedTest
  @MethodSource("examples")
  void exampleIsAdmittedUnchanged(Path file) throws IOException {
    GenericKubernetesResource task = load(file);
    GenericKubernetesResource created =
        client.resource(task).inNamespace(NS).fieldValidation(Validation.STRICT).create();
    // A field the schema does not know would be pruned silently without strict validation; compare
    // what the server stored with the file to be sure nothing was dropped or defaulted away.
    JsonNode stored = Json.MAPPER.valueToTree(created.getAdditionalProperties().get("spec"));
    JsonNode expected = Json.YAML.readTree(Files.readString(file)).get("spec");
    // The server writes 2.0 back as 2, so numbers compare by value.
    assertThat(stored.equals(NUMBERS_BY_VALUE, expected))
        .as("stored %s%nfile   %s", stored, expected)
        .isTrue();
  }

  @Test
  void explainPrintsTheStepFieldDescriptions() throws IOException {
    Kubectl.Result explain = server.kubectl().run("explain", "agenttask.spec.steps");
    assertThat(explain.exitCode()).as(explain.toString()).isZero();
    String printed = oneLine(explain.stdout());
    JsonNode steps =
        Json.YAML
            .readTree(Files.readString(KubeApiServer.CRD_FILE))
            .at("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/steps");
    assertThat(printed).contains(oneLine(steps.path("description").asText()));
    steps
        .at("/items/properties")
        .fields()
        .forEachRemaining(
            field -> {
              assertThat(printed).contains(field.getKey());
              assertThat(printed).contains(oneLine(field.getValue().path("description").asText()));
            });
  }

  @Test
  void getShowsThePrinterColumns() {
    String ns = server.namespace(NS + "-columns");
    Kubectl.Result apply =
        server.kubectl().run("apply", "-n", ns, "--server-side", "-f", "examples/quickstart.yaml");
    assertThat(apply.exitCode()).as(apply.toString()).isZero();
    String status =
        """
        {"status": {"phase": "Running", "currentStep": "triage", "attempts": 3,
          "message": "triage: RateLimited (429), retry 2/5 in 1s",
          "conditions": [{"type": "Degraded", "status": "False", "reason": "NoFallbackUsed"}]}}
        """;
    Kubectl.Result patch =
        server
            .kubectl()
            .run(
                "patch",
                "agenttask",
                "quickstart",
                "-n",
                ns,
                "--subresource=status",
                "--type=merge",
                "-p",
                status);
    assertThat(patch.exitCode()).as(patch.toString()).isZero();

    Kubectl.Result get = server.kubectl().run("get", "agenttasks", "-n", ns);
    assertThat(get.exitCode()).as(get.toString()).isZero();
    List<String> lines = get.stdout().lines().toList();
    assertThat(lines.get(0).split("\\s+"))
        .containsExactly("NAME", "PHASE", "STEP", "ATTEMPTS", "DEGRADED", "AGE");
    assertThat(lines.get(1).split("\\s+"))
        .startsWith("quickstart", "Running", "triage", "3", "False");

    Kubectl.Result wide = server.kubectl().run("get", "agt", "-n", ns, "-o", "wide");
    assertThat(wide.stdout()).contains("MESSAGE").contains("triage: RateLimited (429)");
  }

  private static GenericKubernetesResource load(Path file) throws IOException {
    return client
        .getKubernetesSerialization()
        .unmarshal(Files.readString(file), GenericKubernetesResource.class);
  }

  private static Stream<Path> files(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  private static String oneLine(String text) {
    return text.replaceAll("\\s+", " ").trim();
  }
}
