package dev.steadfast.engine.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.DuplicateKeyException;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads YAML documents the way kubectl does (sigs.k8s.io/yaml over go-yaml): aliases expand to
 * their anchor's value, {@code <<} merge keys merge, timestamps stay strings, and a duplicate key
 * is an error rather than "last one wins". Jackson's own YAML parser turns {@code *b} into the
 * string "b", so the same file would mean something else here than in a cluster.
 *
 * <p>Hostile input is bounded before it costs anything: the file size is checked before reading,
 * the document length by SnakeYAML's code-point limit, and alias expansion ("billion laughs") by
 * the number of values the expanded tree may hold.
 */
public final class YamlDocuments {
  /** The longest file read, as the Kubernetes API server's request body limit (3 MiB). */
  public static final int MAX_BYTES = 3 * 1024 * 1024;

  /** The most values (scalars, lists, maps) one file may expand to through its aliases. */
  public static final int MAX_VALUES = 1_000_000;

  private static final int MAX_ALIASES = 1000;

  /** A file that is missing, too large, not YAML, or ambiguous; the message is one line. */
  public static final class InvalidYamlException extends Exception {
    public InvalidYamlException(String message) {
      super(message);
    }
  }

  private YamlDocuments() {}

  /** The documents of a file, null documents included; checks the size before reading. */
  public static List<JsonNode> read(Path file) throws InvalidYamlException {
    String text;
    try {
      long size = Files.size(file);
      if (size > MAX_BYTES) {
        throw new InvalidYamlException(
            "file is " + size + " bytes, over the limit of " + MAX_BYTES + " (3 MiB)");
      }
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new InvalidYamlException("no such file");
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new InvalidYamlException("cannot read: " + e.getMessage());
    }
    return parse(text);
  }

  /** The documents of a YAML text. */
  public static List<JsonNode> parse(String text) throws InvalidYamlException {
    if (text.length() > MAX_BYTES) {
      throw new InvalidYamlException(
          "text is " + text.length() + " characters, over the limit of " + MAX_BYTES);
    }
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(MAX_ALIASES);
    options.setCodePointLimit(MAX_BYTES);
    options.setAllowRecursiveKeys(false);
    Yaml yaml = new Yaml(new KubernetesConstructor(options));
    List<JsonNode> docs = new ArrayList<>();
    Counter counter = new Counter();
    try {
      for (Object doc : yaml.loadAll(text)) {
        docs.add(toJson(doc, counter));
      }
    } catch (DuplicateKeyException e) {
      String key = e.getProblem().replaceFirst("^found duplicate key ", "");
      throw new InvalidYamlException(
          "duplicate key \"" + key + "\"" + at(e) + ": a key may appear once in a map");
    } catch (MarkedYAMLException e) {
      String problem = e.getProblem() == null ? e.getMessage() : e.getProblem();
      throw new InvalidYamlException(
          "not valid YAML: " + problem.lines().findFirst().orElse("").strip() + at(e));
    } catch (YAMLException | StackOverflowError e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage();
      throw new InvalidYamlException("not valid YAML: " + msg.lines().findFirst().orElse(msg));
    }
    return docs;
  }

  private static String at(MarkedYAMLException e) {
    var mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
    return mark == null
        ? ""
        : " (line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ")";
  }

  private static final class Counter {
    int values;
  }

  private static JsonNode toJson(Object value, Counter counter) throws InvalidYamlException {
    if (++counter.values > MAX_VALUES) {
      throw new InvalidYamlException(
          "the document expands to more than " + MAX_VALUES + " values through its aliases");
    }
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (value == null) {
      return f.nullNode();
    } else if (value instanceof String s) {
      return f.textNode(s);
    } else if (value instanceof Boolean b) {
      return f.booleanNode(b);
    } else if (value instanceof Integer i) {
      return f.numberNode(i);
    } else if (value instanceof Long l) {
      return f.numberNode(l);
    } else if (value instanceof BigInteger b) {
      return f.numberNode(b);
    } else if (value instanceof Double d) {
      return f.numberNode(d);
    } else if (value instanceof byte[] bytes) {
      return f.textNode(Base64.getEncoder().encodeToString(bytes));
    } else if (value instanceof Map<?, ?> map) {
      ObjectNode node = f.objectNode();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        Object key = e.getKey();
        if (key instanceof Map || key instanceof Collection) {
          throw new InvalidYamlException("a map key is a list or a map; keys must be scalars");
        }
        node.set(String.valueOf(key), toJson(e.getValue(), counter));
      }
      return node;
    } else if (value instanceof Collection<?> list) {
      ArrayNode node = f.arrayNode();
      for (Object item : list) {
        node.add(toJson(item, counter));
      }
      return node;
    }
    return f.textNode(String.valueOf(value));
  }

  /**
   * SnakeYAML's safe types, with timestamps kept as strings (as go-yaml does into a JSON value).
   */
  private static final class KubernetesConstructor extends SafeConstructor {
    KubernetesConstructor(LoaderOptions options) {
      super(options);
      this.yamlConstructors.put(Tag.TIMESTAMP, new ConstructYamlStr());
    }
  }
}
