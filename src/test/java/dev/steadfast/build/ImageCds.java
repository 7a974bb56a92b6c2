package dev.steadfast.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The image's AppCDS archive (/app/steadfast.jsa), made by the image's own JRE from the class list
 * of the package-time training ({@link CdsTraining}). The jlinked JRE has no CDS archive of its
 * own, so without this one the image loads every class, the JDK's included, from a compressed
 * module image and the jars.
 *
 * <p>JDK 17 accepts an archive only for the class path it was dumped with: the same entries, each
 * file of the same size and modification time. Jib lays out the application as /app/classpath/ (the
 * project's jar, containerizingMode packaged) and /app/libs/, every file dated 1970-01-01 00:00:01.
 * So the dump runs on copies dated so, in the same layout, with the class path written relative to
 * the working directory the image starts in (/tmp): {@code ../app/...}. The entrypoint reads that
 * class path from /app/steadfast-classpath, which this writes too. An archive that does not match
 * (another working directory) is ignored by the JVM: the image starts, only slower.
 *
 * <p>Arguments: the image root filesystem (Jib's extra directory, with the JRE of {@link
 * ImageRootfs}), the class list, a staging directory, the project's jar, then the runtime
 * dependencies' jars in class path order (path-separated).
 */
public final class ImageCds {
  /** What Jib sets every file's modification time to (its default, reproducible builds). */
  static final FileTime JIB_TIME = FileTime.from(Instant.ofEpochSecond(1));

  public static final String ARCHIVE = "/app/steadfast.jsa";
  public static final String CLASS_PATH_FILE = "/app/steadfast-classpath";
  public static final String WORKING_DIRECTORY = "/tmp";

  private ImageCds() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]).toAbsolutePath();
    Path classList = Path.of(args[1]).toAbsolutePath();
    Path stage = Path.of(args[2]).toAbsolutePath();
    Path projectJar = Path.of(args[3]);
    List<Path> libs =
        Stream.of(args[4].split(java.io.File.pathSeparator))
            .filter(s -> !s.isBlank())
            .map(Path::of)
            .toList();
    if (!Files.exists(classList)) {
      throw new IllegalStateException(
          classList
              + " is missing: the image's archive needs the package-time training (no"
              + " -Dcds.skip with -Pimage)");
    }
    clean(stage);
    List<String> classPath = new ArrayList<>();
    classPath.add(stage(projectJar, stage.resolve("app/classpath")));
    for (Path lib : libs) {
      classPath.add(stage(lib, stage.resolve("app/libs")));
    }
    Path workDir = stage.resolve(WORKING_DIRECTORY.substring(1));
    Files.createDirectories(workDir);
    // The JRE's files are dated by Jib too; the module image is part of what the archive checks.
    Path modules = root.resolve(ImageRootfs.JAVA_HOME).resolve("lib/modules");
    Files.setLastModifiedTime(modules, JIB_TIME);
    String cp = String.join(":", classPath);
    Path archive = root.resolve(ARCHIVE.substring(1));
    Files.createDirectories(archive.getParent());
    Files.deleteIfExists(archive);
    CdsTraining.dump(
        root.resolve(ImageRootfs.JAVA_HOME).resolve("bin/java").toString(),
        cp,
        classList,
        archive,
        workDir);
    Files.writeString(root.resolve(CLASS_PATH_FILE.substring(1)), cp + "\n");
    System.out.printf(
        "image AppCDS archive %s: %d MB, class path of %d jars%n",
        ARCHIVE, Files.size(archive) >> 20, classPath.size());
  }

  /** Copies a jar into the layout, dated as Jib dates it; returns its path as the image sees it. */
  private static String stage(Path jar, Path dir) throws IOException {
    Files.createDirectories(dir);
    Path copy = dir.resolve(jar.getFileName().toString());
    Files.copy(jar, copy, StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(copy, JIB_TIME);
    return ".." + "/app/" + dir.getFileName() + "/" + copy.getFileName();
  }

  private static void clean(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
    Files.createDirectories(dir);
  }
}
