package dev.steadfast.engine.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.Json;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UrlTemplateTest {
  final Cel cel = Cel.tasks();
  final JsonNode inputs =
      Json.tree(
          Map.of(
              "base", "https://api.example.com/v1",
              "host", "api.example.com",
              "path", "a/b?c=d"));

  Map<String, Object> vars(Object output) {
    Map<String, Object> vars = new HashMap<>();
    for (String v : Cel.TASK_VARIABLES) {
      vars.put(v, CelValues.fromJson(null));
    }
    vars.put("inputs", CelValues.fromJson(inputs));
    vars.put("steps", CelValues.fromJson(Json.tree(Map.of("fetch", Map.of("output", output)))));
    vars.put("item", CelValues.fromJson(Json.tree(output)));
    vars.put("args", CelValues.fromJson(Json.tree(Map.of("q", output))));
    return vars;
  }

  String render(String template, Object output) {
    return UrlTemplate.render(cel, template, vars(output));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../admin",
        "..",
        ".",
        "a/../../b",
        "x?admin=true",
        "x#frag",
        "@evil.example",
        "evil.example/",
        "//evil.example/x",
        "%2e%2e%2f",
        "a b+c&d=e",
        "ünï/cødé ✓"
      })
  void aValueInThePathNeitherLeavesItsSegmentNorChangesTheHost(String value) {
    String url = render("https://api.example.com/items/{{ steps.fetch.output }}/detail", value);

    URI uri = URI.create(url);
    assertThat(uri.getHost()).isEqualTo("api.example.com");
    assertThat(uri.getRawQuery()).isNull();
    assertThat(uri.getRawFragment()).isNull();
    assertThat(uri.getRawPath()).startsWith("/items/").endsWith("/detail");
    assertThat(uri.getRawPath().split("/")).hasSize(4); // "", items, <value>, detail
    assertThat(uri.normalize().getRawPath()).isEqualTo(uri.getRawPath());
    // The server decodes the one segment back to exactly the value.
    assertThat(uri.getPath()).isEqualTo("/items/" + value + "/detail");
  }

  @Test
  void encodingIsPerComponentAsInRfc3986() {
    assertThat(render("https://h/{{ item }}", "../")).isEqualTo("https://h/..%2F");
    assertThat(render("https://h/{{ item }}", "..")).isEqualTo("https://h/%2E%2E");
    assertThat(render("https://h/{{ item }}", "a.b")).isEqualTo("https://h/a.b");
    assertThat(render("https://h/{{ item }}", "a/b")).isEqualTo("https://h/a%2Fb");
    assertThat(render("https://h/{{ item }}", "x?y")).isEqualTo("https://h/x%3Fy");
    assertThat(render("https://h/{{ item }}", "x#y")).isEqualTo("https://h/x%23y");
    assertThat(render("https://h/{{ item }}", "u@v")).isEqualTo("https://h/u%40v");
    assertThat(render("https://h/{{ item }}", "a b~*")).isEqualTo("https://h/a%20b~%2A");
    assertThat(render("https://h/{{ item }}", "é✓")).isEqualTo("https://h/%C3%A9%E2%9C%93");
    assertThat(render("https://h/s?q={{ args.q }}&n=1", "a&n=2#x"))
        .isEqualTo("https://h/s?q=a%26n%3D2%23x&n=1");
    assertThat(render("https://h/s?q={{ item }}", "..")).isEqualTo("https://h/s?q=..");
    assertThat(render("https://h/s#{{ item }}", "a/b?c")).isEqualTo("https://h/s#a%2Fb%3Fc");
    assertThat(render("https://h/n/{{ item }}", 42)).isEqualTo("https://h/n/42");
  }

  @Test
  void inputsInOriginPositionAreInsertedAsTheAuthorWroteThem() {
    assertThat(render("{{ inputs.base }}/chat/{{ item }}", "a/b"))
        .isEqualTo("https://api.example.com/v1/chat/a%2Fb");
    assertThat(render("https://{{ inputs.host }}/x", "")).isEqualTo("https://api.example.com/x");
    // After the host, inputs are values like any other.
    assertThat(render("https://{{ inputs.host }}/{{ inputs.path }}", ""))
        .isEqualTo("https://api.example.com/a%2Fb%3Fc%3Dd");
    // The host is complete only at / ? or #: an input value can end it.
    assertThat(render("{{ inputs.base }}{{ item }}", "x")).isEqualTo("https://api.example.com/v1x");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{{ steps.fetch.output }}",
        "{{ steps.fetch.output }}/x",
        "https://{{ steps.fetch.output }}/x",
        "https://api.example.com{{ steps.fetch.output }}",
        "https://api.example.com:{{ item }}/x",
        "{{ item }}://api.example.com/x",
        "https://{{ args.q }}.example.com/",
        "https://{{ inputs.host + steps.fetch.output }}/",
        "https://{{ inputs[steps.fetch.output] }}/",
        "https://{{ inputs.host }}{{ item }}/x"
      })
  void theSchemeAndHostNeverComeFromOutputsItemsOrArguments(String template) {
    assertThatThrownBy(() -> render(template, "@evil.example"))
        .isInstanceOf(UrlTemplate.UnsafeUrlException.class)
        .hasMessageContaining("the scheme and host may not come from")
        .hasMessageContaining("only literal text and inputs");
    assertThat(UrlTemplate.problems(cel, template, inputs))
        .singleElement()
        .asString()
        .startsWith("the scheme and host may not come from");
  }

  @Test
  void theRefusalSaysWhereTheValueCameFrom() {
    assertThat(UrlTemplate.problems(cel, "{{ steps.fetch.output.url }}/x", inputs))
        .containsExactly(
            "the scheme and host may not come from steps.fetch.output.url (a step output); only"
                + " literal text and inputs may set them, so write the host out, as in"
                + " https://api.example.com/{{ steps.fetch.output.url }}");
    assertThat(UrlTemplate.problems(cel, "http://{{ item.host }}/", inputs).get(0))
        .contains("(a forEach item)");
    assertThat(UrlTemplate.problems(cel, "http://{{ args.host }}/", inputs).get(0))
        .contains("(a tool argument)");
  }

  @Test
  void validationFollowsInputValuesAndLeavesTheRestToRunTime() {
    assertThat(UrlTemplate.problems(cel, "{{ inputs.base }}/{{ item }}", inputs)).isEmpty();
    assertThat(UrlTemplate.problems(cel, "https://h/{{ steps.fetch.output }}", inputs)).isEmpty();
    assertThat(UrlTemplate.problems(cel, "plain https://h/x", inputs)).isEmpty();
    // inputs.base ends in "/v1": the item lands after the host, known before the task runs.
    assertThat(UrlTemplate.problems(cel, "{{ inputs.base }}{{ item }}", inputs)).isEmpty();
    // An input that does not exist yet cannot be followed: the render decides.
    assertThat(UrlTemplate.problems(cel, "{{ inputs.missing }}{{ item }}", inputs)).isEmpty();
    assertThatThrownBy(
            () ->
                UrlTemplate.render(
                    cel,
                    "{{ inputs.other }}{{ item }}",
                    Map.of(
                        "inputs",
                        CelValues.fromJson(Json.tree(Map.of("other", "https://h"))),
                        "item",
                        "@evil.example")))
        .isInstanceOf(UrlTemplate.UnsafeUrlException.class);
  }

  @Test
  void positionIsDecidedOnTheTextBeforeTheExpression() {
    assertThat(UrlTemplate.position("")).isEqualTo(UrlTemplate.Position.ORIGIN);
    assertThat(UrlTemplate.position("https://h")).isEqualTo(UrlTemplate.Position.ORIGIN);
    assertThat(UrlTemplate.position("https://u@h:8")).isEqualTo(UrlTemplate.Position.ORIGIN);
    assertThat(UrlTemplate.position("/relative/")).isEqualTo(UrlTemplate.Position.ORIGIN);
    assertThat(UrlTemplate.position("https://h/")).isEqualTo(UrlTemplate.Position.PATH);
    assertThat(UrlTemplate.position("https://h?a=")).isEqualTo(UrlTemplate.Position.QUERY);
    assertThat(UrlTemplate.position("https://h/p?a=1#")).isEqualTo(UrlTemplate.Position.FRAGMENT);
    assertThat(UrlTemplate.position("https://h/p#f?")).isEqualTo(UrlTemplate.Position.FRAGMENT);
  }

  @Test
  void celVariablesAreReadFromTheSyntaxTree() {
    assertThat(cel.variables("inputs.a + inputs['b']")).containsExactly("inputs");
    assertThat(cel.variables("inputs.hosts.exists(h, h == item)"))
        .containsExactly("inputs", "item");
    assertThat(cel.variables("'literal'")).isEmpty();
    assertThat(cel.variables("has(steps.a.output) ? 'x' : inputs.y"))
        .isEqualTo(new java.util.TreeSet<>(List.of("inputs", "steps")));
  }
}
