package dev.steadfast.operator;

import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.StepCheckpoint;
import dev.steadfast.api.StepStatus;
import dev.steadfast.engine.Reason;

/**
 * The task with its new status would be larger than the API server stores (etcd refuses objects
 * over about 1.5 MiB), so the write is not sent: it could only be refused, again on every retry.
 * The task fails Fatal {@code StatusTooLarge} and a {@link #shrink small status} is written
 * instead. What grows a status is per-item checkpoints of large forEach steps with small outputs
 * (up to 4 KiB each stays inline), so that is what shrinking drops.
 */
final class StatusTooLargeException extends RuntimeException {
  static final String REASON = Reason.StatusTooLarge.name();

  /**
   * The largest task object (metadata, spec and status, as JSON) this operator writes: 1 MiB,
   * leaving half a MiB below etcd's limit for what the API server adds and for encoding.
   */
  static final int MAX_OBJECT_BYTES = 1024 * 1024;

  private final int bytes;

  StatusTooLargeException(int bytes) {
    super(
        "the task's status would make the object "
            + kib(bytes)
            + " KiB, over the "
            + kib(MAX_OBJECT_BYTES)
            + " KiB the operator writes (the API server stores at most about 1.5 MiB); the"
            + " per-item checkpoints were dropped. Use fewer forEach items per task (--max-items),"
            + " or smaller outputs (output.select)");
    this.bytes = bytes;
  }

  int bytes() {
    return bytes;
  }

  /**
   * Drops what can grow without bound: every unit's checkpoint (the steps keep their phase, counts,
   * last error and output), and inline step outputs are dropped too if {@code outputs}. A retry
   * then starts the unfinished steps afresh; finished steps keep their outputs.
   */
  static void shrink(AgentTaskStatus status, boolean outputs) {
    if (status.checkpoint != null) {
      for (StepCheckpoint cp : status.checkpoint.steps) {
        cp.units.clear();
      }
    }
    if (outputs) {
      for (StepStatus s : status.steps) {
        s.output = null;
      }
    }
  }

  private static long kib(int bytes) {
    return (bytes + 1023) / 1024;
  }
}
