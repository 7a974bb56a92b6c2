package dev.steadfast.operator;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;

/**
 * The slots of --max-concurrent-steps, shared fairly by namespace (docs/security.md "fair share per
 * namespace"). Work waits in one queue per namespace; when a slot frees, the namespace with the
 * fewest slots in use gets it, ties going round-robin (the one served longest ago first). So a
 * namespace that queues thousands of attempts delays only itself: another namespace's attempt
 * starts on the next free slot. Within a namespace, attempts start in the order submitted.
 *
 * <p>The threads come from {@code threads}, which is handed work only when a slot is granted and so
 * never queues any itself.
 */
public final class FairSlots {
  /** Slots in use and attempts waiting, of one namespace. */
  public record Usage(int inUse, int waiting) {}

  private final int slots;
  private final Executor threads;
  private final Map<String, Deque<RunnableFuture<?>>> waiting = new LinkedHashMap<>();
  private final Map<String, Integer> inUse = new HashMap<>();
  // When each namespace last got a slot, by a counter: round-robin without a clock.
  private final Map<String, Long> lastServed = new HashMap<>();
  private long served;
  private int used;
  private boolean closed;

  FairSlots(int slots, Executor threads) {
    if (slots < 1) {
      throw new IllegalArgumentException("--max-concurrent-steps must be at least 1");
    }
    this.slots = slots;
    this.threads = threads;
  }

  /** Runs {@code work} on a free slot now, or queues it behind its namespace's earlier work. */
  synchronized void submit(String namespace, RunnableFuture<?> work) {
    if (closed) {
      work.cancel(false);
      return;
    }
    waiting.computeIfAbsent(namespace, k -> new ArrayDeque<>()).add(work);
    dispatch();
  }

  /** Drops work that was cancelled before it got a slot, so it is no longer counted as waiting. */
  synchronized void withdraw(String namespace, Future<?> work) {
    Deque<RunnableFuture<?>> queue = waiting.get(namespace);
    if (queue != null && queue.remove(work) && queue.isEmpty()) {
      waiting.remove(namespace);
    }
  }

  /** Per namespace with anything running or waiting; namespaces with neither are left out. */
  synchronized Map<String, Usage> usage() {
    Map<String, Usage> out = new TreeMap<>();
    inUse.forEach((ns, n) -> out.put(ns, new Usage(n, 0)));
    waiting.forEach((ns, q) -> out.put(ns, new Usage(inUse.getOrDefault(ns, 0), q.size())));
    return out;
  }

  /** No more work starts; what waits is cancelled. */
  synchronized void close() {
    closed = true;
    waiting.values().forEach(q -> q.forEach(w -> w.cancel(false)));
    waiting.clear();
  }

  private void dispatch() {
    while (used < slots && !closed) {
      String next = nextNamespace();
      if (next == null) {
        return;
      }
      Deque<RunnableFuture<?>> queue = waiting.get(next);
      RunnableFuture<?> work = queue.poll();
      if (queue.isEmpty()) {
        waiting.remove(next);
      }
      if (work.isDone()) {
        continue; // cancelled while it waited
      }
      used++;
      inUse.merge(next, 1, Integer::sum);
      lastServed.put(next, ++served);
      try {
        threads.execute(
            () -> {
              try {
                work.run();
              } finally {
                release(next);
              }
            });
      } catch (RejectedExecutionException e) {
        // The threads were shut down (the operator is stopping): the slot was never used.
        used--;
        inUse.merge(next, -1, Integer::sum);
        inUse.remove(next, 0);
        work.cancel(false);
      }
    }
  }

  private synchronized void release(String namespace) {
    used--;
    if (inUse.merge(namespace, -1, Integer::sum) <= 0) {
      inUse.remove(namespace);
    }
    if (!waiting.containsKey(namespace) && !inUse.containsKey(namespace)) {
      lastServed.remove(namespace); // nothing left of it: forget it, so the map stays bounded
    }
    dispatch();
  }

  /** The waiting namespace with the fewest slots in use, the one served longest ago on a tie. */
  private String nextNamespace() {
    String best = null;
    int bestInUse = Integer.MAX_VALUE;
    long bestServed = Long.MAX_VALUE;
    for (String ns : waiting.keySet()) {
      int n = inUse.getOrDefault(ns, 0);
      long s = lastServed.getOrDefault(ns, 0L);
      if (n < bestInUse || (n == bestInUse && s < bestServed)) {
        best = ns;
        bestInUse = n;
        bestServed = s;
      }
    }
    return best;
  }
}
