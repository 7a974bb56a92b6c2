package dev.steadfast.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import dev.steadfast.engine.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the YAML documents of a task file, as kubectl would (several documents per file). */
public final class TaskFile {
  private TaskFile() {}

  /** The non-empty documents of a file; throws with a readable message when it cannot be read. */
  public static List<JsonNode> read(Path file) throws InvalidFileException {
    try (MappingIterator<JsonNode> it =
        Json.YAML.readerFor(JsonNode.class).readValues(Files.readString(file))) {
      List<JsonNode> docs = new ArrayList<>();
      while (it.hasNextValue()) {
        JsonNode doc = it.nextValue();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          docs.add(doc);
        }
      }
      if (docs.isEmpty()) {
        throw new InvalidFileException(file + ": no YAML document found");
      }
      return docs;
    } catch (NoSuchFileException e) {
      throw new InvalidFileException(file + ": no such file");
    } catch (IOException | RuntimeException e) {
      String msg =
          e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw new InvalidFileException(file + ": not valid YAML: " + msg);
    }
  }

  /** A file that is missing or not YAML. */
  public static final class InvalidFileException extends Exception {
    public InvalidFileException(String message) {
      super(message);
    }
  }
}
