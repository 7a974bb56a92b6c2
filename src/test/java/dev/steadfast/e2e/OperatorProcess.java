package dev.steadfast.e2e;

import dev.steadfast.operator.LoopbackEgress;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * `steadfast operator` in its own JVM, from the built jar, against a test API server: how the
 * suites that kill, starve or replace the operator run it. Simulators on loopback are reachable
 * (--egress-allow names this machine); chaos is off whatever this JVM's environment says.
 */
final class OperatorProcess {
  static final Path JAR = Path.of("target", "steadfast.jar");

  private OperatorProcess() {}

  /**
   * Starts {@code java <jvmArgs> -jar steadfast.jar operator <args> --egress-allow=…}, its output
   * appended to {@code log}.
   *
   * @param podName the replica's identity (POD_NAME); null for a random one
   */
  static Process start(
      KubeApiServer server,
      String podNamespace,
      String podName,
      Path log,
      List<String> jvmArgs,
      List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-jar", JAR.toAbsolutePath().toString(), "operator"));
    cmd.addAll(args);
    cmd.add(LoopbackEgress.ARG);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("KUBECONFIG", server.kubeconfig().toString());
    pb.environment().put("POD_NAMESPACE", podNamespace);
    if (podName != null) {
      pb.environment().put("POD_NAME", podName);
    }
    pb.environment().remove("STEADFAST_CHAOS");
    // Options meant for this JVM (an agent, a heap size) would change what the operator's is.
    pb.environment().remove("JAVA_TOOL_OPTIONS");
    return pb.start();
  }

  /** A port free on loopback now, for --metrics-port and --health-port. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
