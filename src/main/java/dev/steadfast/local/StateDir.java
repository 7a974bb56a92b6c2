package dev.steadfast.local;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The layout of `steadfast run`'s --state-dir: {@code DIR/<task>/status.json} per task, next to the
 * runner's own {@code breakers.json} and {@code cache/}. A task name becomes a path here, so only a
 * name the API server would accept (a DNS-1123 subdomain: no '/', no "..") is used, and never one
 * that is a file of the runner's own: a task file can never make the runner write outside the state
 * dir or over its other state.
 */
public final class StateDir {
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /** A name refused for the state dir; the message names the field. */
  public static final class UnsafeNameException extends IllegalArgumentException {
    private final String field;

    UnsafeNameException(String field, String message) {
      super(field + ": " + message);
      this.field = field;
    }

    public String field() {
      return field;
    }

    /** The message without the field. */
    public String reason() {
      return getMessage().substring(field.length() + 2);
    }
  }

  private StateDir() {}

  /**
   * The directory of task {@code name} under {@code stateDir}.
   *
   * @throws UnsafeNameException naming metadata.name when the name is not a DNS-1123 subdomain or
   *     is one of the runner's own entries
   */
  public static Path taskDir(Path stateDir, String name) {
    String shown = name == null ? "null" : '"' + name + '"';
    if (name == null || name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
      throw new UnsafeNameException(
          "metadata.name",
          shown
              + " is not a DNS-1123 subdomain (lower case letters, digits, '-' and '.', at most"
              + " 253); it names the task's directory in --state-dir and may not leave it");
    }
    if (name.equals(FileResponseCache.DIR) || name.startsWith(FileBreakerStore.FILE)) {
      throw new UnsafeNameException(
          "metadata.name",
          shown + " is taken by the runner's own state in --state-dir; rename the task");
    }
    Path root = stateDir.toAbsolutePath().normalize();
    Path dir = root.resolve(name).normalize();
    if (!dir.getParent().equals(root)) {
      // Cannot happen with the pattern above; kept so that a change to it cannot open a way out.
      throw new UnsafeNameException("metadata.name", shown + " leaves --state-dir");
    }
    return stateDir.resolve(name);
  }
}
