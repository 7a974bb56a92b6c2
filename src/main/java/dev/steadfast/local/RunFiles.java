package dev.steadfast.local;

import dev.steadfast.api.AgentTaskStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The file-system checks of `steadfast run`, made before the first call: every problem is one line
 * naming the flag and the path (exit 2), never a stack trace after work was done.
 */
public final class RunFiles {
  /** A file or directory the run cannot use; the message is one line. */
  public static final class UnusableException extends Exception {
    public UnusableException(String message) {
      super(message);
    }
  }

  private RunFiles() {}

  /** --secrets-dir, when given, is a directory. */
  public static void checkSecretsDir(Path dir) throws UnusableException {
    if (dir != null && !Files.isDirectory(dir)) {
      throw new UnusableException(
          "--secrets-dir "
              + dir
              + (Files.exists(dir) ? ": not a directory" : ": no such directory"));
    }
  }

  /** Creates --state-dir if needed and proves it writable by writing a file in it. */
  public static void prepareStateDir(Path dir) throws UnusableException {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new UnusableException("--state-dir " + dir + ": not a directory");
    }
    try {
      Files.createDirectories(dir);
      Files.delete(Files.createTempFile(dir, ".probe", ".tmp"));
    } catch (IOException e) {
      throw new UnusableException("--state-dir " + dir + ": not writable: " + brief(e));
    }
  }

  /** The task's checkpoint, if any; a damaged one is refused rather than overwritten. */
  public static Optional<AgentTaskStatus> checkpoint(Path taskDir) throws UnusableException {
    Path file = taskDir.resolve(FileCheckpointStore.FILE);
    try {
      return new FileCheckpointStore(taskDir).load();
    } catch (UncheckedIOException | IllegalArgumentException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
      throw new UnusableException(
          file
              + ": the checkpoint cannot be read ("
              + why.lines().findFirst().orElse("").strip()
              + "); move it away to run the task from the start");
    }
  }

  /** --status-out can be written: its directory exists (or is made) and takes a file. */
  public static void checkStatusOut(Path file) throws UnusableException {
    if (file == null) {
      return;
    }
    if (Files.isDirectory(file)) {
      throw new UnusableException("--status-out " + file + ": is a directory");
    }
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      if (Files.exists(file)) {
        Files.newOutputStream(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND).close();
      } else {
        Files.delete(Files.createTempFile(parent, ".status", ".tmp"));
      }
    } catch (IOException e) {
      throw new UnusableException("--status-out " + file + ": not writable: " + brief(e));
    }
  }

  /** Writes --status-out atomically (a reader never sees half a file). */
  public static void writeStatusOut(Path file, String yaml) throws UnusableException {
    try {
      FileCheckpointStore.writeAtomically(file.toAbsolutePath(), yaml);
    } catch (UncheckedIOException e) {
      throw new UnusableException("--status-out " + file + ": " + brief(e.getCause()));
    }
  }

  static String brief(IOException e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : " " + m);
  }
}
