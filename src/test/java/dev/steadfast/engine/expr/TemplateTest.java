package dev.steadfast.engine.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateTest {
  final Cel cel = Cel.tasks();
  final Map<String, Object> vars =
      Map.of(
          "inputs",
          CelValues.fromJson(Json.tree(Map.of("topic", "rates", "n", 3))),
          "steps",
          CelValues.fromJson(
              Json.tree(Map.of("fetch-items", Map.of("output", java.util.List.of(1, 2, 3))))));

  @Test
  void singleExpressionYieldsTheValueItself() {
    JsonNode v = Template.render(cel, "{{ steps['fetch-items'].output }}", vars);
    assertThat(v.isArray()).isTrue();
    assertThat(v.size()).isEqualTo(3);
    assertThat(Template.render(cel, "{{ inputs.n + 1 }}", vars).asLong()).isEqualTo(4);
  }

  @Test
  void longerTextRendersObjectsAsJson() {
    assertThat(
            Template.renderText(
                cel, "About {{ inputs.topic }}: {{ steps['fetch-items'].output }}", vars))
        .isEqualTo("About rates: [1,2,3]");
  }

  @Test
  void textWithoutPlaceholdersIsUnchanged() {
    assertThat(Template.renderText(cel, "plain $1 text", vars)).isEqualTo("plain $1 text");
  }

  @Test
  void deepRenderingOfBodies() {
    JsonNode body =
        Json.tree(Map.of("q", "{{ inputs.topic }}", "list", java.util.List.of("{{ inputs.n }}")));
    JsonNode out = Template.renderDeep(cel, body, vars);
    assertThat(out.path("q").asText()).isEqualTo("rates");
    assertThat(out.path("list").get(0).asLong()).isEqualTo(3);
  }

  @Test
  void errorsNameTheExpression() {
    assertThatThrownBy(() -> Template.render(cel, "{{ inputs.missing.deeper }}", vars))
        .isInstanceOf(ExpressionException.class)
        .satisfies(
            e ->
                assertThat(((ExpressionException) e).expression())
                    .isEqualTo("inputs.missing.deeper"));
    assertThatThrownBy(() -> cel.evalBoolean("inputs.n", vars))
        .hasMessageContaining("must yield a bool");
  }
}
