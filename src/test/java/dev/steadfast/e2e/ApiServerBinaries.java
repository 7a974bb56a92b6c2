package dev.steadfast.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where {@code scripts/setup-apiserver.sh} put etcd, kube-apiserver and kubectl: {@code
 * ${STEADFAST_CACHE:-~/.cache/steadfast}/k8s/<version>-linux-<arch>/}, the layout
 * io.fabric8:kube-api-test reads in offline mode. The version is read from the script, so the two
 * cannot drift apart. The tests never install anything themselves.
 */
record ApiServerBinaries(Path testDir, String version, Path dir) {
  static final Path SETUP_SCRIPT = Path.of("scripts", "setup-apiserver.sh");
  private static final Pattern VERSION = Pattern.compile("(?m)^K8S_VERSION=([0-9.]+)$");

  /** The binaries of this checkout's version; throws, saying what to run, when any is missing. */
  static ApiServerBinaries locate() {
    String cache = System.getenv("STEADFAST_CACHE");
    Path testDir =
        cache == null || cache.isBlank()
            ? Path.of(System.getProperty("user.home"), ".cache", "steadfast")
            : Path.of(cache);
    String version = versionFromScript();
    String arch = System.getProperty("os.arch").matches("aarch64|arm64") ? "arm64" : "amd64";
    ApiServerBinaries binaries =
        new ApiServerBinaries(
            testDir, version, testDir.resolve("k8s").resolve(version + "-linux-" + arch));
    List<String> missing = new ArrayList<>();
    for (String name : List.of("etcd", "kube-apiserver", "kubectl")) {
      if (!Files.isExecutable(binaries.dir.resolve(name))) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "The end-to-end tests need etcd, kube-apiserver and kubectl (Kubernetes "
              + version
              + ") in "
              + binaries.dir
              + ", and "
              + String.join(", ", missing)
              + (missing.size() == 1 ? " is" : " are")
              + " missing. Run `bash scripts/setup-apiserver.sh` once: it installs etcd and builds"
              + " kube-apiserver into that cache (${STEADFAST_CACHE:-~/.cache/steadfast}; about"
              + " 20 minutes the first time). Or leave these tests out: ./mvnw verify"
              + " -DexcludedGroups=e2e");
    }
    return binaries;
  }

  Path kubectl() {
    return dir.resolve("kubectl");
  }

  private static String versionFromScript() {
    try {
      Matcher m = VERSION.matcher(Files.readString(SETUP_SCRIPT));
      if (!m.find()) {
        throw new IllegalStateException("no K8S_VERSION= line in " + SETUP_SCRIPT);
      }
      return m.group(1);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + SETUP_SCRIPT.toAbsolutePath(), e);
    }
  }
}
