package dev.steadfast.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.YamlDocuments;
import java.nio.file.Path;
import java.util.List;

/** Reads the YAML documents of a task file, as kubectl would (several documents per file). */
public final class TaskFile {
  private TaskFile() {}

  /** The non-empty documents of a file; throws with a one-line message when it cannot be read. */
  public static List<JsonNode> read(Path file) throws InvalidFileException {
    List<JsonNode> docs;
    try {
      docs = YamlDocuments.read(file);
    } catch (YamlDocuments.InvalidYamlException e) {
      throw new InvalidFileException(file + ": " + e.getMessage());
    }
    List<JsonNode> present =
        docs.stream().filter(d -> d != null && !d.isNull() && !d.isMissingNode()).toList();
    if (present.isEmpty()) {
      throw new InvalidFileException(file + ": no YAML document found");
    }
    return present;
  }

  /** A file that is missing, too large or not YAML. */
  public static final class InvalidFileException extends Exception {
    public InvalidFileException(String message) {
      super(message);
    }
  }
}
