package dev.steadfast.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What `kubectl` users see of the committed CRD: names, columns, validation, explain text. */
class CrdTest {
  static JsonNode crd;
  static JsonNode version;
  static JsonNode spec;

  @BeforeAll
  static void load() throws Exception {
    crd = Json.YAML.readTree(Files.readString(Path.of("crds/agenttasks.steadfast.dev-v1.yml")));
    version = crd.path("spec").path("versions").get(0);
    spec = version.path("schema").path("openAPIV3Schema").path("properties").path("spec");
  }

  @Test
  void namesScopeAndSubresource() {
    JsonNode names = crd.path("spec").path("names");
    assertThat(crd.path("spec").path("group").asText()).isEqualTo("steadfast.dev");
    assertThat(names.path("kind").asText()).isEqualTo("AgentTask");
    assertThat(names.path("plural").asText()).isEqualTo("agenttasks");
    assertThat(names.path("singular").asText()).isEqualTo("agenttask");
    assertThat(texts(names.path("shortNames"))).containsExactly("agt");
    assertThat(texts(names.path("categories"))).containsExactly("steadfast");
    assertThat(crd.path("spec").path("scope").asText()).isEqualTo("Namespaced");
    assertThat(version.path("name").asText()).isEqualTo("v1alpha1");
    assertThat(version.path("subresources").has("status")).isTrue();
  }

  @Test
  void printerColumnsInSpecOrder() {
    JsonNode cols = version.path("additionalPrinterColumns");
    List<String> names = new ArrayList<>();
    cols.forEach(c -> names.add(c.path("name").asText()));
    assertThat(names).containsExactly("Phase", "Step", "Attempts", "Degraded", "Age", "Message");
    assertThat(cols.get(0).path("jsonPath").asText()).isEqualTo(".status.phase");
    assertThat(cols.get(3).path("jsonPath").asText()).contains("Degraded");
    assertThat(cols.get(4).path("type").asText()).isEqualTo("date");
    assertThat(cols.get(5).path("priority").asInt()).isEqualTo(1);
  }

  @Test
  void requiredFieldsBoundsAndEnums() {
    JsonNode steps = spec.path("properties").path("steps");
    assertThat(texts(spec.path("required"))).contains("steps");
    assertThat(steps.path("minItems").asInt()).isEqualTo(1);
    assertThat(steps.path("maxItems").asInt()).isEqualTo(100);
    JsonNode step = steps.path("items");
    assertThat(texts(step.path("required"))).contains("name");
    JsonNode forEach = step.path("properties").path("forEach").path("properties");
    assertThat(forEach.path("concurrency").path("minimum").asInt()).isEqualTo(1);
    assertThat(forEach.path("concurrency").path("maximum").asInt()).isEqualTo(64);
    JsonNode backoff =
        spec.path("properties")
            .path("policy")
            .path("properties")
            .path("retry")
            .path("properties")
            .path("backoff")
            .path("properties");
    assertThat(texts(backoff.path("jitter").path("enum")))
        .containsExactlyInAnyOrder("Full", "Equal", "None");
    assertThat(backoff.path("initialDelay").path("pattern").asText()).isNotEmpty();
    JsonNode llm = step.path("properties").path("llm").path("properties");
    assertThat(texts(llm.path("api").path("enum")))
        .containsExactlyInAnyOrder("openai", "anthropic");
    assertThat(texts(llm.path("onContextOverflow").path("enum")))
        .containsExactlyInAnyOrder("Truncate", "Fail");
    assertThat(
            texts(
                spec.path("properties")
                    .path("policy")
                    .path("properties")
                    .path("classify")
                    .path("items")
                    .path("properties")
                    .path("tier")
                    .path("enum")))
        .containsExactlyInAnyOrder("Transient", "Recoverable", "Fatal");
  }

  @Test
  void celRulesForCrossFieldConstraints() {
    JsonNode steps = spec.path("properties").path("steps");
    // No rule compares every pair of steps: the API server would run it on every status write.
    // Steps stay an atomic list (list keys would change server-side apply for existing tasks);
    // an agent's tools, inside it, are keyed by name, checked in one pass.
    assertThat(steps.has("x-kubernetes-list-type")).isFalse();
    assertThat(rules(steps)).noneMatch(r -> r.contains("exists_one"));
    JsonNode tools =
        steps.path("items").path("properties").path("agent").path("properties").path("tools");
    assertThat(tools.path("x-kubernetes-list-type").asText()).isEqualTo("map");
    assertThat(texts(tools.path("x-kubernetes-list-map-keys"))).containsExactly("name");
    assertThat(rules(tools)).noneMatch(r -> r.contains("exists_one"));
    assertThat(rules(steps.path("items")))
        .anyMatch(
            r -> r.contains("has(self.http)") && r.contains("has(self.job)") && r.endsWith("== 1"));
    JsonNode fallback = steps.path("items").path("properties").path("fallbacks").path("items");
    assertThat(rules(fallback)).anyMatch(r -> r.contains("has(self.cache)"));
  }

  /**
   * An llm step's and an agent's llm are complete, a fallback's may name only what it changes:
   * {@code required} on those two properties, no CEL rule (the API server evaluates those again on
   * every status write).
   */
  @Test
  void anLlmIsCompleteExceptInAFallback() {
    JsonNode step = spec.path("properties").path("steps").path("items");
    JsonNode llm = step.path("properties").path("llm");
    JsonNode agentLlm = step.path("properties").path("agent").path("properties").path("llm");
    for (JsonNode complete : List.of(llm, agentLlm)) {
      assertThat(texts(complete.path("required")))
          .containsExactlyInAnyOrder("endpoint", "model", "messages");
    }
    JsonNode fallbackLlm =
        step.path("properties").path("fallbacks").path("items").path("properties").path("llm");
    assertThat(fallbackLlm.path("properties").has("model")).isTrue();
    assertThat(fallbackLlm.has("required")).isFalse();
    assertThat(rules(step)).noneMatch(r -> r.contains("self.llm.endpoint"));
  }

  /**
   * The API server refuses a CRD whose rules' estimated cost is over its budget, and estimates an
   * unbounded list at the request size: a list a rule iterates needs maxItems (and a string it
   * matches, maxLength). The real limit is proven by CrdAdmissionIT installing the CRD.
   */
  @Test
  void everyListARuleIteratesIsBounded() {
    List<String> unbounded = new ArrayList<>();
    bounded("spec", spec, unbounded);
    assertThat(unbounded).as("lists iterated by a rule without maxItems").isEmpty();
  }

  private static final java.util.regex.Pattern ITERATED =
      java.util.regex.Pattern.compile(
          "self((?:\\.\\w+)*)\\.(?:all|exists|exists_one|map|filter)\\(");

  private static void bounded(String path, JsonNode schema, List<String> unbounded) {
    for (String rule : rules(schema)) {
      var m = ITERATED.matcher(rule);
      while (m.find()) {
        JsonNode list = schema;
        for (String field : m.group(1).split("\\.")) {
          if (!field.isEmpty()) {
            list = list.path("properties").path(field);
          }
        }
        if (!list.has("maxItems")) {
          unbounded.add(path + m.group(1) + " in " + rule);
        }
      }
    }
    schema
        .path("properties")
        .fields()
        .forEachRemaining(e -> bounded(path + "." + e.getKey(), e.getValue(), unbounded));
    if (schema.has("items")) {
      bounded(path + "[]", schema.get("items"), unbounded);
    }
  }

  @Test
  void everySchemaPropertyHasADescription() {
    List<String> missing = new ArrayList<>();
    JsonNode root = version.path("schema").path("openAPIV3Schema").path("properties");
    root.path("spec")
        .path("properties")
        .fields()
        .forEachRemaining(e -> walk("spec." + e.getKey(), e.getValue(), missing));
    root.path("status")
        .path("properties")
        .fields()
        .forEachRemaining(e -> walk("status." + e.getKey(), e.getValue(), missing));
    assertThat(missing).as("properties without a description").isEmpty();
  }

  private static void walk(String path, JsonNode schema, List<String> missing) {
    if (schema.path("description").asText("").isBlank()) {
      missing.add(path);
    }
    JsonNode target = schema.has("items") ? schema.get("items") : schema;
    target
        .path("properties")
        .fields()
        .forEachRemaining(e -> walk(path + "." + e.getKey(), e.getValue(), missing));
  }

  private static List<String> rules(JsonNode schema) {
    List<String> out = new ArrayList<>();
    schema.path("x-kubernetes-validations").forEach(r -> out.add(r.path("rule").asText()));
    return out;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
