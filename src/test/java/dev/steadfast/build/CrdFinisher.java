package dev.steadfast.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskSpec;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Finishes the CRD that fabric8's generator wrote: the generator sorts printer columns by name,
 * while kubectl shows them in CRD order, so they are put back in the order declared on {@link
 * AgentTask} (Phase, Step, Attempts, Degraded, Age, Message); and the model's value checks the
 * generator ignores are added ({@link ValueChecks}). Run by the build (exec plugin).
 */
public final class CrdFinisher {
  public static final String FILE = "agenttasks.steadfast.dev-v1.yml";
  public static final Path GENERATED = Path.of("target/classes/META-INF/fabric8", FILE);
  public static final Path FINISHED = Path.of("target/crds", FILE);
  public static final Path COMMITTED = Path.of("crds", FILE);

  private CrdFinisher() {}

  public static void main(String[] args) throws IOException {
    String yaml = finish(Files.readString(GENERATED));
    Files.createDirectories(FINISHED.getParent());
    Files.writeString(FINISHED, yaml);
    if (args.length > 0 && Boolean.parseBoolean(args[0])) {
      Files.createDirectories(COMMITTED.getParent());
      Files.writeString(COMMITTED, yaml);
    }
  }

  /**
   * {@code maximum: 100.0} → {@code 100}: the API server stores integral numbers without the
   * fraction, so a CRD written with it differs from the stored one on every client-side apply
   * (`kubectl apply` says "configured" each time, GitOps tools see drift).
   */
  static void integral(JsonNode node) {
    if (node instanceof ObjectNode o) {
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        JsonNode v = o.get(name);
        if (v.isFloatingPointNumber() && v.doubleValue() == Math.rint(v.doubleValue())) {
          o.put(name, v.longValue());
        } else {
          integral(v);
        }
      }
    } else if (node instanceof ArrayNode a) {
      a.forEach(CrdFinisher::integral);
    }
  }

  static String finish(String generatedYaml) {
    JsonNode crd = Serialization.unmarshal(generatedYaml, JsonNode.class);
    List<String> order =
        Arrays.stream(AgentTask.class.getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name)
            .toList();
    for (JsonNode version : crd.path("spec").path("versions")) {
      ArrayNode columns = (ArrayNode) version.path("additionalPrinterColumns");
      List<JsonNode> sorted = new ArrayList<>();
      columns.forEach(sorted::add);
      sorted.sort(Comparator.comparingInt(c -> order.indexOf(c.path("name").asText())));
      // The API server drops the default priority 0; written out, every `kubectl apply` of the
      // CRD would send the whole version list again and report it "configured".
      sorted.stream()
          .filter(c -> c.path("priority").asInt(-1) == 0)
          .forEach(c -> ((ObjectNode) c).remove("priority"));
      ((ObjectNode) version).putArray("additionalPrinterColumns").addAll(sorted);
    }
    for (JsonNode version : crd.path("spec").path("versions")) {
      JsonNode spec = version.at("/schema/openAPIV3Schema/properties/spec");
      if (spec instanceof ObjectNode o) {
        ValueChecks.apply(o, AgentTaskSpec.class);
      }
    }
    integral(crd);
    return "# Generated from dev.steadfast.api by `./mvnw process-test-classes -Dcrd.write=true`; do not edit.\n"
        + Serialization.asYaml(crd);
  }
}
