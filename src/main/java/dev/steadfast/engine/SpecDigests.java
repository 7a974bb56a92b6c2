package dev.steadfast.engine;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The digest of each task's spec that its checkpoint records, computed once per generation. Every
 * reconcile compares it with the checkpoint's, and computing it means copying, serialising and
 * hashing the whole spec, which only a new generation changes. Keyed by uid, so a task deleted and
 * created again under its name starts afresh; a task without a uid (run from a file) is digested
 * each time.
 */
final class SpecDigests {
  // A bound in case entries outlive their tasks (a delete this process never saw): far above the
  // tasks one process holds, and clearing only costs one digest each.
  static final int MAX_ENTRIES = 100_000;

  private record Known(long generation, String digest) {}

  private final Map<String, Known> byUid = new ConcurrentHashMap<>();

  /** The digest of the task's spec, as {@link Checkpoints#specDigest} computes it. */
  String of(TaskRef task) {
    if (task.uid() == null || task.generation() == null) {
      return Checkpoints.specDigest(task.spec());
    }
    Known known = byUid.get(task.uid());
    if (known != null && known.generation() == task.generation()) {
      return known.digest();
    }
    String digest = Checkpoints.specDigest(task.spec());
    if (byUid.size() >= MAX_ENTRIES) {
      byUid.clear();
    }
    byUid.put(task.uid(), new Known(task.generation(), digest));
    return digest;
  }

  /** The task is gone or finished. */
  void forget(TaskRef task) {
    if (task.uid() != null) {
      byUid.remove(task.uid());
    }
  }

  int size() {
    return byUid.size();
  }
}
