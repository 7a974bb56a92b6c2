package dev.steadfast.local;

import dev.steadfast.api.SecretKeyRef;
import dev.steadfast.executors.Secrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Secrets laid out like a mounted Secret volume: {@code DIR/<secret-name>/<key>}. */
public final class DirSecrets implements Secrets {
  private final Path dir;

  public DirSecrets(Path dir) {
    this.dir = dir;
  }

  @Override
  public String get(String namespace, SecretKeyRef ref) throws SecretNotFoundException {
    if (dir == null) {
      throw new SecretNotFoundException(
          "secret " + ref.name + " key " + ref.key + " not found: no --secrets-dir given");
    }
    Path file = dir.resolve(ref.name).resolve(ref.key).normalize();
    if (!file.startsWith(dir.normalize()) || !Files.isRegularFile(file)) {
      throw new SecretNotFoundException(
          "secret " + ref.name + " key " + ref.key + " not found in " + dir);
    }
    try {
      String value = Files.readString(file);
      // Files written with `echo` end in a newline that is not part of the secret.
      return value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
    } catch (IOException e) {
      throw new SecretNotFoundException("secret " + ref.name + " key " + ref.key + " unreadable");
    }
  }
}
