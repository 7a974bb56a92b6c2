package dev.steadfast.engine.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The concurrency limits of every provider key, shared by all tasks of one process (the operator,
 * or one `steadfast run`): an attempt of a model call takes a slot of its {@link EndpointKey}
 * before it starts and gives it back when it ends, and the outcome paces the limit ({@link
 * AimdLimit}). An attempt that finds no slot waits without spending anything; when slots free, as
 * many waiting tasks as there are free slots are woken, oldest first, through the driver's {@code
 * wake} callback — never all of them, so a fleet behind one key does not stampede. Thread-safe.
 */
public final class EndpointLimits {
  /** A waiting task is checked again this often even if no wake-up reaches it. */
  public static final Duration RECHECK = Duration.ofSeconds(30);

  /** What the metrics show for one endpoint host (summed over its keys). */
  public record HostGauge(String host, int limit, int inFlight, int queued) {}

  private record Permit(EndpointKey key, String task, Instant startedAt) {}

  private record Waiter(EndpointKey key, String task) {}

  private final Clock clock;
  private final int start;
  private final int max;
  private final Map<EndpointKey, AimdLimit> limits = new HashMap<>();
  private final Map<String, Permit> permits = new HashMap<>();
  // unit id → waiter, in the order the units began to wait: the oldest is woken first.
  private final LinkedHashMap<String, Waiter> waiters = new LinkedHashMap<>();
  // Tasks woken and not yet planned again: each stands for one free slot it is about to take.
  private final Set<String> woken = new LinkedHashSet<>();
  private final Map<String, Object> handles = new HashMap<>();
  // Waiting units of tasks being planned now: those the plan does not ask for again stop waiting.
  private final Set<String> unconfirmed = new LinkedHashSet<>();
  private volatile Consumer<Object> wake = t -> {};

  /** Where a key's limit starts when the process may run more calls than this at once. */
  public static final int DEFAULT_START = 8;

  /** Every key's limit starts at {@code max}, and stays at or below it. */
  public EndpointLimits(Clock clock, int max) {
    this(clock, max, max);
  }

  /**
   * @param start every key's limit before anything is known about it
   * @param max the most a key's limit grows to (more calls than the process runs at once would
   *     never be used)
   */
  public EndpointLimits(Clock clock, int start, int max) {
    if (start < 1 || max < start) {
      throw new IllegalArgumentException(
          "limits need 1 <= start <= max, got start " + start + ", max " + max);
    }
    this.clock = clock;
    this.start = start;
    this.max = max;
  }

  /** The limits a driver running at most {@code maxConcurrent} calls at once uses. */
  public static EndpointLimits forDriver(Clock clock, int maxConcurrent) {
    return new EndpointLimits(clock, Math.min(DEFAULT_START, maxConcurrent), maxConcurrent);
  }

  public int start() {
    return start;
  }

  /**
   * How the driver wakes a waiting task: called, outside any lock, with the handle the engine gave
   * when the task began to wait ({@link #tryAcquire}).
   */
  public void onWake(Consumer<Object> wake) {
    this.wake = wake;
  }

  /**
   * Takes a slot of {@code key} for attempt {@code attempt} of {@code task}, or records unit {@code
   * unit} as waiting (false). Taking a slot again for an attempt that holds one is a no-op.
   *
   * @param handle what {@link #onWake} is called with to wake the task
   */
  public boolean tryAcquire(
      EndpointKey key, String task, Object handle, String unit, String attempt) {
    synchronized (this) {
      Instant now = clock.instant();
      unconfirmed.remove(unit);
      if (permits.containsKey(attempt)) {
        return true;
      }
      AimdLimit limit = limit(key);
      // A unit that waited keeps its place ahead of newcomers: a newcomer takes a slot only when
      // there are more free slots than older waiters of the key.
      if (!waiters.containsKey(unit) && olderWaiters(key, unit) >= limit.free(now)) {
        limit.refused();
        waiters.put(unit, new Waiter(key, task));
        handles.put(task, handle);
        return false;
      }
      if (!limit.tryAcquire(now)) {
        limit.refused();
        waiters.putIfAbsent(unit, new Waiter(key, task));
        handles.put(task, handle);
        return false;
      }
      waiters.remove(unit);
      permits.put(attempt, new Permit(key, task, now));
      return true;
    }
  }

  /** True when unit {@code unit} waits for a slot (so its timer is only a safety net). */
  public synchronized boolean waiting(String unit) {
    return waiters.containsKey(unit);
  }

  /** The key unit {@code unit} waits for, or null. */
  public synchronized EndpointKey waitingFor(String unit) {
    Waiter w = waiters.get(unit);
    return w == null ? null : w.key();
  }

  /** When a waiting unit of {@code key} should look again even if no wake-up comes. */
  public synchronized Instant recheckAt(EndpointKey key) {
    Instant now = clock.instant();
    Instant blocked = limit(key).blockedUntil(now);
    return blocked != null ? blocked : now.plus(RECHECK);
  }

  /**
   * True when unit {@code unit} waits for a slot of a key the provider has limited (see {@link
   * AimdLimit#providerLimited}); false when it waits only while a new key's limit probes upwards or
   * behind the process's own limit, or does not wait.
   */
  public synchronized boolean waitsForProvider(String unit) {
    Waiter w = waiters.get(unit);
    return w != null && limit(w.key()).providerLimited(clock.instant());
  }

  /** The current limit of {@code key}. */
  public synchronized int limitOf(EndpointKey key) {
    return limit(key).limit();
  }

  /** Attempt {@code attempt} succeeded: its slot frees and the limit may grow. */
  public void succeeded(String attempt) {
    ended(attempt, Signal.SUCCESS);
  }

  /** Attempt {@code attempt} got 429: its slot frees and the limit shrinks. */
  public void rateLimited(String attempt) {
    ended(attempt, Signal.RATE_LIMITED);
  }

  /** Attempt {@code attempt} ended otherwise (failed, cancelled): its slot frees. */
  public void released(String attempt) {
    ended(attempt, Signal.NONE);
  }

  /**
   * The provider's reply said {@code remaining} requests are left until {@code reset} from now;
   * with none left, the key takes no new calls until then.
   */
  public synchronized void remaining(EndpointKey key, long remaining, Duration reset) {
    if (remaining <= 0 && reset != null && !reset.isNegative() && !reset.isZero()) {
      limit(key).blockUntil(clock.instant().plus(reset));
    }
  }

  /**
   * The engine plans {@code task} now: a wake-up it was sent has arrived, its waiting units count
   * as waiting only if the plan asks for a slot for them again ({@link #planned}), and its attempts
   * hold no slot any more except those in {@code running} — this frees the slots of attempts that
   * never started or whose outcome was lost (a failed status write).
   */
  public void planning(String task, Set<String> running) {
    List<String> stale;
    synchronized (this) {
      woken.remove(task);
      waiters.forEach(
          (unit, w) -> {
            if (w.task().equals(task)) {
              unconfirmed.add(unit);
            }
          });
      stale =
          permits.entrySet().stream()
              .filter(e -> e.getValue().task().equals(task) && !running.contains(e.getKey()))
              .map(Map.Entry::getKey)
              .toList();
    }
    stale.forEach(this::released);
  }

  /** The plan of {@code task} is made: units it did not ask a slot for again no longer wait. */
  public synchronized void planned(String task) {
    waiters
        .entrySet()
        .removeIf(e -> e.getValue().task().equals(task) && unconfirmed.remove(e.getKey()));
    unconfirmed.removeIf(u -> !waiters.containsKey(u));
  }

  /** The task is finished or deleted: its waits end and its slots free. */
  public void forget(String task) {
    List<String> held;
    synchronized (this) {
      waiters.values().removeIf(w -> w.task().equals(task));
      unconfirmed.removeIf(u -> !waiters.containsKey(u));
      woken.remove(task);
      handles.remove(task);
      held =
          permits.entrySet().stream()
              .filter(e -> e.getValue().task().equals(task))
              .map(Map.Entry::getKey)
              .toList();
    }
    held.forEach(this::released);
  }

  /** The gauges per endpoint host, summed over that host's keys, sorted by host. */
  public synchronized List<HostGauge> gauges() {
    Map<String, int[]> byHost = new TreeMap<>();
    limits.forEach(
        (key, l) -> {
          int[] g = byHost.computeIfAbsent(key.host(), h -> new int[3]);
          g[0] += l.limit();
          g[1] += l.inFlight();
        });
    waiters.values().forEach(w -> byHost.computeIfAbsent(w.key().host(), h -> new int[3])[2]++);
    List<HostGauge> out = new ArrayList<>();
    byHost.forEach((h, g) -> out.add(new HostGauge(h, g[0], g[1], g[2])));
    return out;
  }

  private enum Signal {
    SUCCESS,
    RATE_LIMITED,
    NONE
  }

  private void ended(String attempt, Signal signal) {
    List<Object> toWake = new ArrayList<>();
    synchronized (this) {
      Permit p = permits.remove(attempt);
      if (p == null) {
        return; // never held one (a resend after a restart) or already freed
      }
      AimdLimit limit = limit(p.key());
      switch (signal) {
        case SUCCESS -> limit.succeeded();
        case RATE_LIMITED -> limit.rateLimited(p.startedAt(), clock.instant());
        case NONE -> limit.release();
      }
      // Counted without a block (no requests remaining until a reset): a task woken while the key
      // is blocked plans again and sets its timer to the reset, instead of sleeping out RECHECK.
      int free = limit.room() - pendingWakes(p.key());
      for (Iterator<Waiter> it = waiters.values().iterator(); it.hasNext() && free > 0; ) {
        Waiter w = it.next();
        if (w.key().equals(p.key()) && !woken.contains(w.task()) && !w.task().equals(p.task())) {
          woken.add(w.task());
          toWake.add(handles.get(w.task()));
          free--;
        }
      }
    }
    // Outside the lock: the driver may reconcile the task on this very thread.
    toWake.forEach(h -> wake.accept(h));
  }

  private int pendingWakes(EndpointKey key) {
    // One pass over the waiters, not one per woken task: both grow with the tasks in flight.
    Set<String> waitingOnKey = new HashSet<>();
    for (Waiter w : waiters.values()) {
      if (w.key().equals(key)) {
        waitingOnKey.add(w.task());
      }
    }
    int n = 0;
    for (String t : woken) {
      if (waitingOnKey.contains(t)) {
        n++;
      }
    }
    return n;
  }

  private int olderWaiters(EndpointKey key, String unit) {
    int n = 0;
    for (Map.Entry<String, Waiter> e : waiters.entrySet()) {
      if (e.getKey().equals(unit)) {
        break;
      }
      if (e.getValue().key().equals(key)) {
        n++;
      }
    }
    return n;
  }

  private AimdLimit limit(EndpointKey key) {
    return limits.computeIfAbsent(key, k -> new AimdLimit(start, max));
  }
}
