package dev.steadfast.local;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.engine.format.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The checkpoint of `steadfast run`: {@code DIR/<task>/status.json}, written atomically (temp file,
 * fsync, rename) so a kill at any moment leaves either the old or the new checkpoint.
 */
public final class FileCheckpointStore {
  static final String FILE = "status.json";

  private final Path file;
  private String lastWritten;

  public FileCheckpointStore(Path taskDir) {
    this.file = taskDir.resolve(FILE);
  }

  public Optional<AgentTaskStatus> load() {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      lastWritten = Files.readString(file);
      return Optional.ofNullable(Json.MAPPER.readValue(lastWritten, AgentTaskStatus.class));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint " + file, e);
    }
  }

  /** Writes the status when it changed since the last write; returns whether it wrote. */
  public boolean save(AgentTaskStatus status) {
    String json = Json.write(status);
    if (json.equals(lastWritten)) {
      return false;
    }
    writeAtomically(file, json);
    lastWritten = json;
    return true;
  }

  /**
   * Writes through a temp file of a unique name in the same directory (fsync, then an atomic
   * rename), so neither a kill nor a second writer ever leaves half a file.
   */
  static void writeAtomically(Path target, String content) {
    Path tmp = null;
    try {
      Files.createDirectories(target.getParent());
      tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // a stray temp file is harmless: it is never read
        }
      }
    }
  }
}
