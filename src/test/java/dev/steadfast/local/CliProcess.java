package dev.steadfast.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.engine.format.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the packaged `steadfast` jar in a child JVM, the way a user does. */
final class CliProcess {
  static final Path JAR = Path.of("target/steadfast.jar");

  record Result(int exit, String out, String err, JsonNode status) {
    String all() {
      return out + err;
    }
  }

  static final Path ARCHIVE = Path.of("target/steadfast.jsa");

  static ProcessBuilder builder(Path workDir, String... args) {
    List<String> cmd =
        new ArrayList<>(List.of(javaBin(), "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
    // The build's AppCDS archive, as bin/steadfast passes it: each of these JVMs starts faster.
    if (Files.exists(ARCHIVE) && !olderThanJar()) {
      cmd.add("-XX:SharedArchiveFile=" + ARCHIVE.toAbsolutePath());
      cmd.add("-Xlog:cds=off");
    }
    cmd.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
    pb.environment().remove("STEADFAST_CHAOS");
    return pb;
  }

  static Result run(Path workDir, String... args) throws IOException, InterruptedException {
    Path out = Files.createTempFile(workDir, "out", ".txt");
    Path err = Files.createTempFile(workDir, "err", ".txt");
    Process p =
        builder(workDir, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("steadfast did not finish in 120s: " + Files.readString(out));
    }
    Path status = workDir.resolve("status.yaml");
    JsonNode st = Files.exists(status) ? Json.YAML.readTree(Files.readString(status)) : null;
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err), st);
  }

  private static boolean olderThanJar() {
    try {
      return Files.getLastModifiedTime(ARCHIVE).compareTo(Files.getLastModifiedTime(JAR)) < 0;
    } catch (IOException e) {
      return true;
    }
  }

  static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
