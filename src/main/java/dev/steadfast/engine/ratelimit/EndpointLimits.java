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

  /** One key's limit and the units waiting for it, oldest first: the oldest is woken first. */
  private static final class KeyState {
    final AimdLimit limit;
    final LinkedHashMap<String, String> waiters = new LinkedHashMap<>(); // unit -> task

    KeyState(AimdLimit limit) {
      this.limit = limit;
    }
  }

  /** What one task holds here; dropped when it holds nothing. */
  private static final class TaskState {
    final Set<String> waiting = new HashSet<>(); // units
    final Set<String> permits = new HashSet<>(); // attempts
    // Waiting units of the task while it is planned: those the plan does not ask for again stop
    // waiting.
    final Set<String> unconfirmed = new HashSet<>();

    boolean empty() {
      return waiting.isEmpty() && permits.isEmpty() && unconfirmed.isEmpty();
    }
  }

  // Every structure is indexed by key, task or unit, so no call scans the waiters of other keys or
  // tasks: a thousand tasks queued behind one key would otherwise make every call, under the one
  // lock, as slow as a thousand comparisons.
  private final Clock clock;
  private final int start;
  private final int max;
  // In order of use, least recent first: the keys a tenant's tasks name (host, namespace, Secret)
  // are theirs to invent, so idle ones are forgotten beyond MAX_KEYS.
  private final LinkedHashMap<EndpointKey, KeyState> keys = new LinkedHashMap<>(16, 0.75f, true);
  private final Map<String, Permit> permits = new HashMap<>();
  private final Map<String, Waiter> waiters = new HashMap<>(); // unit -> what it waits for
  private final Map<String, TaskState> tasks = new HashMap<>();
  // Tasks woken and not yet planned again: each stands for one free slot it is about to take.
  private final Set<String> woken = new LinkedHashSet<>();
  private final Map<String, Object> handles = new HashMap<>();
  private volatile Consumer<Object> wake = t -> {};

  /**
   * Keys kept. Beyond it the least recently used idle keys (nothing in flight, nothing waiting, not
   * blocked until a reset) are forgotten, and start afresh if named again: a tenant who names a new
   * endpoint host in every task would otherwise grow this map, and the per-host gauges, forever.
   */
  public static final int MAX_KEYS = 4096;

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
      TaskState state = tasks.get(task);
      if (state != null) {
        state.unconfirmed.remove(unit);
      }
      if (permits.containsKey(attempt)) {
        return true;
      }
      KeyState k = key(key);
      AimdLimit limit = k.limit;
      // A unit that waited keeps its place ahead of newcomers: a newcomer takes a slot only when
      // there are more free slots than waiters of the key (all older than it).
      if (!waiters.containsKey(unit) && k.waiters.size() >= limit.free(now)) {
        limit.refused();
        addWaiter(unit, key, task);
        handles.put(task, handle);
        return false;
      }
      if (!limit.tryAcquire(now)) {
        limit.refused();
        addWaiter(unit, key, task);
        handles.put(task, handle);
        return false;
      }
      removeWaiter(unit);
      permits.put(attempt, new Permit(key, task, now));
      task(task).permits.add(attempt);
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
    Instant blocked = key(key).limit.blockedUntil(now);
    return blocked != null ? blocked : now.plus(RECHECK);
  }

  /**
   * True when unit {@code unit} waits for a slot of a key the provider has limited (see {@link
   * AimdLimit#providerLimited}); false when it waits only while a new key's limit probes upwards or
   * behind the process's own limit, or does not wait.
   */
  public synchronized boolean waitsForProvider(String unit) {
    Waiter w = waiters.get(unit);
    return w != null && key(w.key()).limit.providerLimited(clock.instant());
  }

  /** The current limit of {@code key}. */
  public synchronized int limitOf(EndpointKey key) {
    return key(key).limit.limit();
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
      key(key).limit.blockUntil(clock.instant().plus(reset));
    }
  }

  /**
   * The engine plans {@code task} now: a wake-up it was sent has arrived, its waiting units count
   * as waiting only if the plan asks for a slot for them again ({@link #planned}), and its attempts
   * hold no slot any more except those in {@code running} — this frees the slots of attempts that
   * never started or whose outcome was lost (a failed status write).
   */
  public void planning(String task, Set<String> running) {
    List<String> stale = new ArrayList<>();
    synchronized (this) {
      woken.remove(task);
      TaskState state = tasks.get(task);
      if (state != null) {
        state.unconfirmed.addAll(state.waiting);
        for (String attempt : state.permits) {
          if (!running.contains(attempt)) {
            stale.add(attempt);
          }
        }
      }
    }
    stale.forEach(this::released);
  }

  /** The plan of {@code task} is made: units it did not ask a slot for again no longer wait. */
  public synchronized void planned(String task) {
    TaskState state = tasks.get(task);
    if (state == null) {
      return;
    }
    for (String unit : List.copyOf(state.unconfirmed)) {
      if (state.waiting.contains(unit)) {
        removeWaiter(unit);
      }
    }
    state.unconfirmed.clear();
    dropIfEmpty(task, state);
  }

  /** The task is finished or deleted: its waits end and its slots free. */
  public void forget(String task) {
    List<String> held = List.of();
    synchronized (this) {
      TaskState state = tasks.get(task);
      if (state != null) {
        List.copyOf(state.waiting).forEach(this::removeWaiter);
        state.unconfirmed.clear();
        held = List.copyOf(state.permits);
        dropIfEmpty(task, state);
      }
      woken.remove(task);
      handles.remove(task);
    }
    held.forEach(this::released);
  }

  /** The gauges per endpoint host, summed over that host's keys, sorted by host. */
  public synchronized List<HostGauge> gauges() {
    Map<String, int[]> byHost = new TreeMap<>();
    keys.forEach(
        (key, k) -> {
          int[] g = byHost.computeIfAbsent(key.host(), h -> new int[3]);
          g[0] += k.limit.limit();
          g[1] += k.limit.inFlight();
          g[2] += k.waiters.size();
        });
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
      TaskState holder = tasks.get(p.task());
      if (holder != null) {
        holder.permits.remove(attempt);
        dropIfEmpty(p.task(), holder);
      }
      KeyState k = key(p.key());
      AimdLimit limit = k.limit;
      switch (signal) {
        case SUCCESS -> limit.succeeded();
        case RATE_LIMITED -> limit.rateLimited(p.startedAt(), clock.instant());
        case NONE -> limit.release();
      }
      // Counted without a block (no requests remaining until a reset): a task woken while the key
      // is blocked plans again and sets its timer to the reset, instead of sleeping out RECHECK.
      int free = limit.room() - pendingWakes(p.key());
      for (Iterator<String> it = k.waiters.values().iterator(); it.hasNext() && free > 0; ) {
        String waiting = it.next();
        if (!woken.contains(waiting) && !waiting.equals(p.task())) {
          woken.add(waiting);
          toWake.add(handles.get(waiting));
          free--;
        }
      }
    }
    // Outside the lock: the driver may reconcile the task on this very thread.
    toWake.forEach(h -> wake.accept(h));
  }

  /** Woken tasks that wait for {@code key}: the slots they are about to take. */
  private int pendingWakes(EndpointKey key) {
    int n = 0;
    for (String task : woken) {
      TaskState state = tasks.get(task);
      if (state != null && waitsFor(state, key)) {
        n++;
      }
    }
    return n;
  }

  private boolean waitsFor(TaskState state, EndpointKey key) {
    for (String unit : state.waiting) {
      if (waiters.get(unit).key().equals(key)) {
        return true;
      }
    }
    return false;
  }

  /** Records {@code unit} as waiting for {@code key}, unless it already waits (for any key). */
  private void addWaiter(String unit, EndpointKey key, String task) {
    if (waiters.putIfAbsent(unit, new Waiter(key, task)) == null) {
      key(key).waiters.put(unit, task);
      task(task).waiting.add(unit);
    }
  }

  private void removeWaiter(String unit) {
    Waiter w = waiters.remove(unit);
    if (w == null) {
      return;
    }
    keys.get(w.key()).waiters.remove(unit);
    TaskState state = tasks.get(w.task());
    if (state != null) {
      state.waiting.remove(unit);
      dropIfEmpty(w.task(), state);
    }
  }

  private TaskState task(String task) {
    return tasks.computeIfAbsent(task, t -> new TaskState());
  }

  private void dropIfEmpty(String task, TaskState state) {
    if (state.empty()) {
      tasks.remove(task, state);
    }
  }

  private KeyState key(EndpointKey key) {
    KeyState k = keys.get(key);
    if (k == null) {
      forgetIdleKeys(MAX_KEYS - 1);
      k = new KeyState(new AimdLimit(start, max));
      keys.put(key, k);
    }
    return k;
  }

  private void forgetIdleKeys(int keep) {
    Instant now = clock.instant();
    for (Iterator<KeyState> it = keys.values().iterator(); it.hasNext() && keys.size() > keep; ) {
      KeyState k = it.next();
      if (k.waiters.isEmpty() && k.limit.inFlight() == 0 && k.limit.blockedUntil(now) == null) {
        it.remove();
      }
    }
  }

  /** Keys held now (tests). */
  synchronized int keyCount() {
    return keys.size();
  }
}
