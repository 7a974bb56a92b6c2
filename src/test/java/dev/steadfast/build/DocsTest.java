package dev.steadfast.build;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.cli.Main;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The hand-written pages of docs/ name every flag and chart value the code has, and their links
 * lead somewhere: a new flag without a line in the docs, or a renamed page, fails here.
 */
class DocsTest {
  static final Path DOCS = Path.of("docs");
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]*)\\)");
  private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6} (.+)$");

  static List<Path> pages() throws IOException {
    List<Path> pages = new ArrayList<>();
    pages.add(Path.of("README.md"));
    try (Stream<Path> files = Files.list(DOCS)) {
      files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  @Test
  void everyRelativeLinkLeadsToAFileAndHeading() throws Exception {
    List<String> broken = new ArrayList<>();
    for (Path page : pages()) {
      Matcher m = LINK.matcher(Files.readString(page));
      while (m.find()) {
        String target = m.group(1);
        if (target.startsWith("http://") || target.startsWith("https://")) {
          continue;
        }
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        Path resolved = file.isEmpty() ? page : page.resolveSibling(file).normalize();
        if (!Files.exists(resolved)) {
          broken.add(page + ": " + target + " (no such file)");
        } else if (hash >= 0 && !anchors(resolved).contains(target.substring(hash + 1))) {
          broken.add(page + ": " + target + " (no such heading)");
        }
      }
    }
    assertThat(broken).isEmpty();
  }

  private static Set<String> anchors(Path page) throws IOException {
    Set<String> anchors = new HashSet<>();
    Matcher h = HEADING.matcher(Files.readString(page));
    while (h.find()) {
      anchors.add(ReferenceDoc.anchor(h.group(1)));
    }
    return anchors;
  }

  @Test
  void everyFlagOfEveryCommandIsDocumented() throws Exception {
    String cli = Files.readString(DOCS.resolve("cli.md"));
    String operator = Files.readString(DOCS.resolve("operator.md"));
    List<String> missing = new ArrayList<>();
    CommandLine main = new CommandLine(new Main());
    main.getSubcommands()
        .forEach(
            (name, sub) -> {
              if (name.equals("help")) {
                return;
              }
              String page = name.equals("operator") ? operator : cli;
              sub.getCommandSpec().options().stream()
                  .filter(o -> !o.usageHelp() && !o.versionHelp())
                  .forEach(
                      o -> {
                        if (!page.contains("`" + o.longestName())) {
                          missing.add(name + " " + o.longestName());
                        }
                      });
              if (!cli.contains("`steadfast " + name)) {
                missing.add("steadfast " + name + " in cli.md");
              }
            });
    assertThat(missing).isEmpty();
  }

  @Test
  void everyChartValueIsDocumented() throws Exception {
    JsonNode schema =
        Serialization.unmarshal(
            Files.readString(Path.of("helm/steadfast/values.schema.json")), JsonNode.class);
    List<String> values = new ArrayList<>();
    collect("", schema, values);
    String operator = Files.readString(DOCS.resolve("operator.md"));
    assertThat(values).contains("image.repository", "metrics.serviceMonitor.enabled");
    assertThat(values)
        .as("values of values.schema.json without a row in docs/operator.md")
        .allMatch(v -> documented(operator, v));
  }

  /** `a.b.c` itself, or a row for `a.b.x` that lists `.c` as a sibling. */
  private static boolean documented(String page, String value) {
    if (page.contains("`" + value + "`") || page.contains("`" + value + ",")) {
      return true;
    }
    int dot = value.lastIndexOf('.');
    return dot > 0
        && page.contains("`" + value.substring(0, dot) + ".")
        && page.contains("`." + value.substring(dot + 1) + "`");
  }

  private static void collect(String prefix, JsonNode schema, List<String> into) {
    JsonNode props = schema.path("properties");
    if (!props.isObject() || props.isEmpty()) {
      into.add(prefix);
      return;
    }
    props
        .fields()
        .forEachRemaining(
            f ->
                collect(
                    prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey(), f.getValue(), into));
  }
}
