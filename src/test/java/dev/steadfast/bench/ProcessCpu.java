package dev.steadfast.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time (user + system, /proc/PID/stat) of each process a scenario runs on: the operator,
 * kube-apiserver, etcd and this JVM (the benchmark's clients and the model simulator). On a machine
 * with few cores the figures say who spent the cores: whether the operator or the API server behind
 * it is the limit of a scenario.
 */
record ProcessCpu(Map<String, Double> millisByProcess) {
  static final String OPERATOR = "operator";
  static final String APISERVER = "kube-apiserver";
  static final String ETCD = "etcd";
  static final String BENCH = "bench JVM + simulator";

  /** Now, for this JVM, its etcd and kube-apiserver children and {@code operator} (or null). */
  static ProcessCpu now(OperatorProcess operator) {
    Map<String, Double> cpu = new LinkedHashMap<>();
    cpu.put(OPERATOR, operator == null ? 0.0 : millis(operator.pid()));
    cpu.put(APISERVER, 0.0);
    cpu.put(ETCD, 0.0);
    ProcessHandle.current()
        .descendants()
        .forEach(
            p -> {
              String command = p.info().command().orElse("");
              String name = command.substring(command.lastIndexOf('/') + 1);
              if (name.equals(APISERVER) || name.equals(ETCD)) {
                cpu.merge(name, millis(p.pid()), Double::sum);
              }
            });
    cpu.put(BENCH, millis(ProcessHandle.current().pid()));
    return new ProcessCpu(cpu);
  }

  /** What each process used between {@code before} and this snapshot. */
  ProcessCpu since(ProcessCpu before) {
    Map<String, Double> diff = new LinkedHashMap<>();
    millisByProcess.forEach(
        (name, ms) -> diff.put(name, ms - before.millisByProcess.getOrDefault(name, 0.0)));
    return new ProcessCpu(diff);
  }

  double total() {
    return millisByProcess.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  double of(String process) {
    return millisByProcess.getOrDefault(process, 0.0);
  }

  /**
   * "operator 12.3 s (41%), kube-apiserver ..., total 30.0 s = 1.6 of 2 cores over 9.4 s": the
   * share of the machine each process took over {@code seconds} of wall time.
   */
  String describe(double seconds) {
    StringBuilder out = new StringBuilder();
    double total = total();
    millisByProcess.forEach(
        (name, ms) ->
            out.append(out.length() == 0 ? "" : ", ")
                .append(
                    String.format(
                        "%s %.1f s (%.0f%%)", name, ms / 1000, total == 0 ? 0 : 100 * ms / total)));
    return String.format(
        "%s; total %.1f CPU-s = %.2f of %d cores over %.1f s",
        out,
        total / 1000,
        total / 1000 / seconds,
        Runtime.getRuntime().availableProcessors(),
        seconds);
  }

  /** Per {@code units}: "operator 14.5 ms, kube-apiserver 20.1 ms, ...". */
  String per(double units, String unit) {
    StringBuilder out = new StringBuilder();
    millisByProcess.forEach(
        (name, ms) ->
            out.append(out.length() == 0 ? "" : ", ")
                .append(String.format("%s %.1f ms", name, ms / units)));
    return String.format("%s; total %.1f ms per %s", out, total() / units, unit);
  }

  /** user + system of a process in ms (clock ticks of 1/100 s); 0 when it is gone. */
  static double millis(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      // the command name (field 2) is in parentheses and may hold spaces: count from after it
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0;
    } catch (IOException | RuntimeException gone) {
      return 0;
    }
  }
}
