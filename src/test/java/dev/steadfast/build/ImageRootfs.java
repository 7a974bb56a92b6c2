package dev.steadfast.build;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * The files the container image adds to an empty ("scratch") base, so that the image is built
 * without a Docker daemon and without pulling a base image: a JRE made by jlink from the build's
 * JDK in /opt/java, the glibc shared libraries it links (found with ldd, copied from the build
 * host), the C.UTF-8 locale, and /etc/passwd and /etc/group naming the non-root user 65532. Jib
 * adds the application on top. Run by the build in the {@code image} profile (exec plugin); Linux
 * only.
 */
public final class ImageRootfs {
  /**
   * What the jar needs: `jdeps --print-module-deps` over the runtime classpath lists java.base,
   * java.net.http, java.sql, jdk.httpserver, jdk.management, jdk.unsupported (java.desktop only for
   * optional java.beans uses); plus the service providers jdeps cannot see: jdk.crypto.ec (TLS key
   * exchange with most servers) and jdk.naming.dns.
   */
  public static final List<String> MODULES =
      List.of(
          "java.base",
          "java.logging",
          "java.management",
          "java.naming",
          "java.net.http",
          "java.sql",
          "jdk.crypto.ec",
          "jdk.httpserver",
          "jdk.management",
          "jdk.naming.dns",
          "jdk.unsupported");

  public static final String JAVA_HOME = "opt/java";
  static final String LOCALE = "/usr/lib/locale/C.utf8";
  public static final int UID = 65532;
  private static final Pattern LDD_PATH = Pattern.compile("(?:=>\\s*)?(/\\S+)\\s+\\(0x");

  private ImageRootfs() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : "target/image-rootfs");
    clean(root);
    Path javaHome = root.resolve(JAVA_HOME);
    jlink(javaHome);
    Set<Path> libraries = new TreeSet<>();
    try (Stream<Path> files = Files.walk(javaHome)) {
      for (Path f : files.filter(ImageRootfs::isElf).toList()) {
        libraries.addAll(linkedLibraries(f, javaHome));
      }
    }
    for (Path lib : libraries) {
      Path target = root.resolve(lib.toString().substring(1));
      Files.createDirectories(target.getParent());
      // Symlinks (ld-linux, libz.so.1 -> libz.so.1.2.13) become plain copies at the linked path.
      Files.copy(lib.toRealPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }
    etc(root);
    locale(root);
    Files.createDirectories(root.resolve("tmp"));
    System.out.printf(
        "image rootfs in %s: JRE with %s, %d system libraries%n",
        root, String.join(",", MODULES), libraries.size());
  }

  private static void jlink(Path output) {
    ToolProvider jlink =
        ToolProvider.findFirst("jlink")
            .orElseThrow(() -> new IllegalStateException("jlink needs a JDK, not a JRE"));
    StringWriter log = new StringWriter();
    int code =
        jlink.run(
            new PrintWriter(log),
            new PrintWriter(log),
            "--add-modules",
            String.join(",", MODULES),
            "--output",
            output.toString(),
            "--strip-debug",
            "--no-man-pages",
            "--no-header-files",
            "--compress=2");
    if (code != 0) {
      throw new IllegalStateException("jlink failed (" + code + "): " + log);
    }
  }

  /** Libraries outside the JRE that ldd says {@code file} loads, the ELF interpreter included. */
  static List<Path> linkedLibraries(Path file, Path javaHome) throws Exception {
    Process p = new ProcessBuilder("ldd", file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("ldd " + file + ": " + out);
    }
    List<Path> libs = new ArrayList<>();
    for (String line : out.lines().toList()) {
      if (line.contains("not found")) {
        // libjvm.so is found at run time, loaded by the launcher before the libraries needing it.
        String name = line.strip().split("\\s+")[0];
        if (!inJre(javaHome, name)) {
          throw new IllegalStateException("ldd " + file + ": " + line.strip());
        }
        continue;
      }
      Matcher m = LDD_PATH.matcher(line);
      if (m.find()) {
        Path lib = Path.of(m.group(1)).normalize();
        if (!lib.startsWith(javaHome.toAbsolutePath())) {
          libs.add(lib);
        }
      }
    }
    return libs;
  }

  private static boolean inJre(Path javaHome, String name) throws IOException {
    try (Stream<Path> files = Files.walk(javaHome)) {
      return files.anyMatch(f -> f.getFileName().toString().equals(name));
    }
  }

  private static void etc(Path root) throws IOException {
    Path etc = root.resolve("etc");
    Files.createDirectories(etc);
    Files.writeString(
        etc.resolve("passwd"),
        "root:x:0:0:root:/root:/sbin/nologin\n"
            + "nonroot:x:"
            + UID
            + ":"
            + UID
            + ":nonroot:/tmp:/sbin/nologin\n");
    Files.writeString(etc.resolve("group"), "root:x:0:\nnonroot:x:" + UID + ":\n");
    // glibc's resolver: /etc/hosts, then DNS (resolv.conf is mounted by the kubelet).
    Files.writeString(etc.resolve("nsswitch.conf"), "hosts: files dns\n");
  }

  /** C.UTF-8, so that the JVM writes logs and reads file names as UTF-8 (LANG=C.UTF-8). */
  private static void locale(Path root) throws IOException {
    Path source = Path.of(LOCALE);
    if (!Files.isDirectory(source)) {
      throw new IllegalStateException(LOCALE + " is missing (Debian: package libc-bin)");
    }
    try (Stream<Path> files = Files.walk(source)) {
      for (Path f : files.toList()) {
        Path target = root.resolve(f.toString().substring(1));
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private static boolean isElf(Path f) {
    if (!Files.isRegularFile(f)) {
      return false;
    }
    try (var in = Files.newInputStream(f)) {
      byte[] magic = in.readNBytes(4);
      return magic.length == 4
          && magic[0] == 0x7f
          && magic[1] == 'E'
          && magic[2] == 'L'
          && magic[3] == 'F';
    } catch (IOException e) {
      return false;
    }
  }

  private static void clean(Path root) throws IOException {
    if (Files.exists(root)) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
  }
}
