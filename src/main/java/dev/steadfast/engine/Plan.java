package dev.steadfast.engine;

import java.time.Instant;
import java.util.List;

/**
 * What the driver should do now: start these attempts, wake up at {@code wakeAt} (a durable timer
 * from the checkpoint, null when nothing waits), or stop because the task is finished.
 */
public record Plan(List<Attempt> start, Instant wakeAt, boolean finished) {}
