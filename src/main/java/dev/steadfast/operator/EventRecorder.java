package dev.steadfast.operator;

import dev.steadfast.api.AgentTask;
import dev.steadfast.engine.EngineEvent;
import dev.steadfast.engine.EventType;
import dev.steadfast.engine.exec.Redactor;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place Kubernetes events are written, off the reconcile path (docs/events.md). {@link
 * #record} only updates memory and returns: a background sender writes what is pending in batches,
 * a few requests in parallel. A repeat of the same event (same task, type, reason, step and
 * message, numbers in the message aside) bumps {@code count} with one merge PATCH and no GET, the
 * count being kept here; repeats within one batching window become one PATCH. Each task has a token
 * bucket, like client-go's spam filter, so one hot task cannot flood the API server. A step's
 * ordinary progress is held for {@link Settings#hold} so that a quick step is one event: a held
 * StepStarted is folded into the step's next event, held StepSucceeded of one task share an event,
 * and the task's Succeeded takes that event in (a quick task is one Event); Failed and Suspended
 * send it at once, ahead of themselves; Warnings are never held. Best effort: nothing here throws
 * into a reconciliation; what is dropped (queue full, rate limit) is counted and logged.
 */
public final class EventRecorder implements AutoCloseable {
  /** Event type, as {@code kubectl get events} shows it. */
  public enum Type {
    Normal,
    Warning
  }

  public static final String SOURCE_COMPONENT = "steadfast-operator";
  public static final String REPORTING_COMPONENT = "steadfast.dev/operator";
  public static final int MAX_MESSAGE_BYTES = 1024;

  /**
   * Between the parts of one Event: step successes joined while held, and a task's Succeeded
   * followed by the step successes it took in (docs/events.md).
   */
  public static final String FOLDED = "; ";

  /**
   * How the sender paces itself; {@link #DEFAULTS} in the operator, shorter in tests. {@code hold}
   * is how long a step's ordinary progress (StepStarted, StepSucceeded) waits to be folded into
   * what follows it; zero folds nothing.
   */
  public record Settings(
      Duration window,
      int maxPending,
      int senders,
      int burst,
      Duration refillEvery,
      Duration hold) {
    public Settings(Duration window, int maxPending, int senders, int burst, Duration refillEvery) {
      this(window, maxPending, senders, burst, refillEvery, Duration.ZERO);
    }
  }

  // client-go's spam filter allows a burst of 25 per object and one more every 5 minutes; a task's
  // ordinary run (one or two events per step) is more than that, so the refill is faster here.
  public static final Settings DEFAULTS =
      new Settings(
          Duration.ofMillis(100), 4096, 4, 25, Duration.ofSeconds(2), Duration.ofSeconds(1));

  // Enough for every live task's recent events; older keys only cost a duplicate Event.
  static final int MAX_REMEMBERED = 10_000;
  private static final int MAX_NAME = 253;
  private static final int HASH_CHARS = 16;
  private static final Duration DROP_LOG_EVERY = Duration.ofSeconds(10);
  // Numbers standing alone ("retry 2/5 in 1s", "(429)"), not digits inside a name ("s2", "gpt4").
  private static final Pattern NUMBER = Pattern.compile("(?<![\\p{L}\\p{N}_.-])[0-9]+");
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

  /** What makes two events the same Event: the step is part of it, its digits are not folded. */
  record Key(String uid, Type type, String reason, String step, String shape) {
    static Key of(String uid, Type type, EngineEvent event) {
      String text = event.message() == null ? "" : event.message();
      return new Key(uid, type, event.reason(), event.step(), NUMBER.matcher(text).replaceAll("#"));
    }

    String digestInput() {
      return String.join(
          "\u0000", uid, type.name(), String.valueOf(reason), String.valueOf(step), shape);
    }
  }

  /** An Event as last written (or about to be), with its count kept here: no GET to bump it. */
  private static final class Written {
    final String name;
    int count;

    Written(String name, int count) {
      this.name = name;
      this.count = count;
    }
  }

  /**
   * One write waiting for the sender: a create, or a PATCH carrying the latest count. A create of a
   * step's ordinary progress is held until {@code due} (null: the next batch) so that what follows
   * it can take it in.
   */
  private record Pending(
      Key key,
      String namespace,
      String taskName,
      String taskUid,
      String name,
      boolean create,
      int count,
      String first,
      String last,
      String message,
      Instant due) {
    Pending(
        Key key,
        String namespace,
        String taskName,
        String taskUid,
        String name,
        boolean create,
        int count,
        String first,
        String last,
        String message) {
      this(key, namespace, taskName, taskUid, name, create, count, first, last, message, null);
    }

    Pending releasedNow() {
      return new Pending(
          key, namespace, taskName, taskUid, name, create, count, first, last, message, null);
    }

    Pending withMessage(String text, String at) {
      return new Pending(
          key, namespace, taskName, taskUid, name, create, count, first, at, text, due);
    }
  }

  /** A step of a task, for finding its start while it is held. */
  private record StepOf(String uid, String step) {}

  /** A held StepStarted: when it was recorded and what it said (the step's kind). */
  private record Start(Key key, Instant at, String kind) {}

  private final KubernetesClient client;
  private final Clock clock;
  private final Settings settings;
  private final Object lock = new Object();
  // Guarded by lock. Insertion order is the queue's order; a repeat updates its entry in place.
  private final LinkedHashMap<Key, Pending> pending = new LinkedHashMap<>();
  private final LinkedHashMap<Key, Written> written =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Written> eldest) {
          return size() > MAX_REMEMBERED;
        }
      };
  private final LinkedHashMap<String, TokenBucket> buckets =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TokenBucket> eldest) {
          return size() > MAX_REMEMBERED;
        }
      };
  // Guarded by lock: held creates that a later event may take in (checked against pending).
  private final Map<StepOf, Start> heldStarts = new HashMap<>();
  private final Map<String, Key> heldSuccesses = new HashMap<>();
  private boolean sending;
  private boolean closed;
  private boolean releaseHeld;
  private final AtomicLong droppedQueueFull = new AtomicLong();
  private final AtomicLong droppedRateLimited = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private Instant lastDropLog = Instant.EPOCH;
  private final ExecutorService senders;
  private final Thread dispatcher;

  public EventRecorder(KubernetesClient client, Clock clock) {
    this(client, clock, DEFAULTS);
  }

  public EventRecorder(KubernetesClient client, Clock clock, Settings settings) {
    this.client = client;
    this.clock = clock;
    this.settings = settings;
    AtomicLong threads = new AtomicLong();
    this.senders =
        Executors.newFixedThreadPool(
            settings.senders(), r -> daemon(r, "event-sender-" + threads.incrementAndGet()));
    this.dispatcher = daemon(this::dispatch, "event-dispatcher");
    dispatcher.start();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Queues the event, or counts it as a repeat of one already queued or written; never blocks. */
  public void record(AgentTask task, EngineEvent event) {
    try {
      Type type = event.warning() ? Type.Warning : Type.Normal;
      String message = message(event);
      ObjectMeta meta = task.getMetadata();
      String uid =
          meta.getUid() != null ? meta.getUid() : meta.getNamespace() + "/" + meta.getName();
      Key key = Key.of(uid, type, event);
      Instant at = clock.instant();
      String now = now();
      synchronized (lock) {
        if (closed) {
          return;
        }
        if (settings.hold().isZero()) {
          enqueue(key, meta, message, now, uid, null);
        } else if (event.step() == null) {
          String folded = folded(uid, type, event, message);
          if (folded != null) {
            // The message is the event's identity: a later Succeeded never overwrites these parts.
            message = folded;
            key = Key.of(uid, type, new EngineEvent(false, event.type(), null, folded));
          }
          released(uid);
          enqueue(key, meta, message, now, uid, null);
        } else if (!event.warning() && event.type() == EventType.StepStarted) {
          Pending held = enqueue(key, meta, message, now, uid, at.plus(settings.hold()));
          if (held != null && held.create()) {
            heldStarts.put(new StepOf(uid, event.step()), new Start(key, at, event.message()));
          }
        } else {
          message = startedIn(uid, event, message, at);
          if (!event.warning() && event.type() == EventType.StepSucceeded) {
            succeeded(key, meta, message, now, uid, at);
          } else {
            enqueue(key, meta, message, now, uid, null);
          }
        }
        lock.notifyAll();
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "could not record event {} for agenttask {}: {}",
          event == null ? null : event.reason(),
          describe(task),
          e.toString());
    }
  }

  /**
   * A later event of a step whose StepStarted is still held takes it in: the start is not sent on
   * its own, the later event's message says what the step was and when it started.
   */
  private String startedIn(String uid, EngineEvent event, String message, Instant at) {
    if (event.type() != EventType.StepSucceeded
        && event.type() != EventType.StepRetrying
        && event.type() != EventType.StepFailed) {
      return message;
    }
    Start start = heldStarts.remove(new StepOf(uid, event.step()));
    if (start == null || !unsent(start.key(), uid)) {
      return message;
    }
    unqueue(start.key(), uid);
    String note =
        " ("
            + (start.kind() == null || start.kind().isEmpty() ? "" : start.kind() + ", ")
            + "started "
            + DateTimeFormatter.ISO_INSTANT.format(start.at().truncatedTo(ChronoUnit.MILLIS))
            + ", ran "
            + String.format("%.2f s", Duration.between(start.at(), at).toNanos() / 1e9)
            + ")";
    return Redactor.capUtf8(message + note, MAX_MESSAGE_BYTES);
  }

  /**
   * A task's StepSucceeded joins the one of its steps still held (one Event, one line per step);
   * otherwise it is held itself, so that the next step's or the task's own success can join it.
   */
  private void succeeded(
      Key key, ObjectMeta meta, String message, String now, String uid, Instant at) {
    Key heldKey = heldSuccesses.get(uid);
    if (heldKey != null && unsent(heldKey, uid)) {
      Pending held = pending.get(heldKey);
      String joined = held.message() + FOLDED + message;
      if (fits(joined)) {
        pending.put(heldKey, held.withMessage(joined, now));
        return;
      }
    }
    Pending queued = enqueue(key, meta, message, now, uid, at.plus(settings.hold()));
    if (queued != null && queued.create()) {
      heldSuccesses.put(uid, key);
    }
  }

  /**
   * The task's Succeeded takes in the step successes its task still holds: one Event says the task
   * succeeded and, after {@link #FOLDED}, which steps did and when they ran. Null when nothing is
   * taken in: a Warning or another task-level event (a Failed is read on its own, by type, and
   * carries an error that may fill the limit; a suspension is rare and not an end), nothing held,
   * or a message over the limit.
   */
  private String folded(String uid, Type type, EngineEvent event, String message) {
    if (type != Type.Normal || event.type() != EventType.Succeeded) {
      return null;
    }
    Key heldKey = heldSuccesses.get(uid);
    if (heldKey == null || !unsent(heldKey, uid)) {
      return null;
    }
    Pending held = pending.get(heldKey);
    String joined = message + FOLDED + held.message();
    // A held success counted more than once is a repeat a person should see counted: not folded.
    if (held.count() != 1 || !fits(joined)) {
      return null;
    }
    heldSuccesses.remove(uid);
    unqueue(heldKey, uid);
    return joined;
  }

  /**
   * A task-level event (Succeeded, Failed, Suspended...) releases what its task still holds and did
   * not take in: the held step successes and starts are sent at once, ahead of it, so the task's
   * events keep their order and every step's success is shown by the time the task's end is.
   */
  private void released(String uid) {
    Key heldKey = heldSuccesses.remove(uid);
    if (heldKey != null && unsent(heldKey, uid)) {
      pending.put(heldKey, pending.get(heldKey).releasedNow());
    }
    heldStarts
        .entrySet()
        .removeIf(
            e -> {
              if (!e.getKey().uid().equals(uid)) {
                return false;
              }
              Key start = e.getValue().key();
              if (unsent(start, uid)) {
                pending.put(start, pending.get(start).releasedNow());
              }
              return true;
            });
  }

  /** A create of the task's still in the queue: taking it in costs nothing and loses nothing. */
  private boolean unsent(Key key, String uid) {
    Pending p = pending.get(key);
    return p != null && p.create() && p.due() != null && key.uid().equals(uid);
  }

  /** Takes a held create out of the queue (its text travels on in another event). */
  private void unqueue(Key key, String uid) {
    pending.remove(key);
    written.remove(key);
    TokenBucket bucket = buckets.get(uid);
    if (bucket != null) {
      bucket.refund();
    }
  }

  private static boolean fits(String message) {
    return message.getBytes(StandardCharsets.UTF_8).length <= MAX_MESSAGE_BYTES;
  }

  /** Queues a write; returns what is queued for the key, or null when the rate limit refused it. */
  private Pending enqueue(
      Key key, ObjectMeta meta, String message, String now, String uid, Instant due) {
    Pending queued = pending.get(key);
    Written known = written.get(key);
    if (queued != null) {
      // A repeat within the batching window: the write already queued carries it.
      int count = known != null ? ++known.count : queued.count() + 1;
      pending.put(
          key,
          new Pending(
              key,
              queued.namespace(),
              queued.taskName(),
              queued.taskUid(),
              queued.name(),
              queued.create(),
              count,
              queued.first(),
              now,
              message,
              queued.due()));
      return pending.get(key);
    }
    TokenBucket bucket = buckets.computeIfAbsent(uid, u -> new TokenBucket(settings));
    if (known != null) {
      // The count is kept even when the write is refused, so the next PATCH is right.
      known.count++;
      if (!bucket.take(clock.instant())) {
        dropped(droppedRateLimited, "rate limited", meta);
        return null;
      }
      Pending patch =
          new Pending(
              key,
              meta.getNamespace(),
              meta.getName(),
              meta.getUid(),
              known.name,
              false,
              known.count,
              null,
              now,
              message);
      add(patch);
      return patch;
    }
    if (!bucket.take(clock.instant())) {
      dropped(droppedRateLimited, "rate limited", meta);
      return null;
    }
    String name = eventName(meta.getName(), key.digestInput(), now);
    written.put(key, new Written(name, 1));
    Pending create =
        new Pending(
            key,
            meta.getNamespace(),
            meta.getName(),
            meta.getUid(),
            name,
            true,
            1,
            now,
            now,
            message,
            due);
    add(create);
    return create;
  }

  private void add(Pending p) {
    if (pending.size() >= settings.maxPending()) {
      Iterator<Map.Entry<Key, Pending>> oldest = pending.entrySet().iterator();
      Pending gone = oldest.next().getValue();
      oldest.remove();
      if (gone.create()) {
        // Never written: a later repeat must create it, not patch a name that does not exist.
        written.remove(gone.key());
      }
      ObjectMeta meta = new ObjectMeta();
      meta.setNamespace(gone.namespace());
      meta.setName(gone.taskName());
      dropped(droppedQueueFull, "queue full, oldest dropped", meta);
    }
    pending.put(p.key(), p);
  }

  private void dropped(AtomicLong counter, String why, ObjectMeta meta) {
    counter.incrementAndGet();
    Instant now = clock.instant();
    // One line per interval with the totals, not one per event: the drops happen under a flood.
    if (Duration.between(lastDropLog, now).compareTo(DROP_LOG_EVERY) >= 0) {
      lastDropLog = now;
      LOG.warn(
          "event for agenttask {}/{} dropped ({}); dropped so far: {} for a full queue, {} rate"
              + " limited",
          meta.getNamespace(),
          meta.getName(),
          why,
          droppedQueueFull.get(),
          droppedRateLimited.get());
    }
  }

  /** Events dropped because the queue was full (the oldest go first). */
  public long droppedQueueFull() {
    return droppedQueueFull.get();
  }

  /** Events dropped by a task's rate limit. */
  public long droppedRateLimited() {
    return droppedRateLimited.get();
  }

  /** {@code steadfast_events_dropped_total{why}}: events that never reached the API server. */
  static void bindMetrics(EventRecorder recorder, MeterRegistry registry) {
    FunctionCounter.builder("steadfast.events.dropped", recorder, EventRecorder::droppedQueueFull)
        .tag("why", "queue_full")
        .description("events dropped because the queue was full (oldest first)")
        .register(registry);
    FunctionCounter.builder("steadfast.events.dropped", recorder, EventRecorder::droppedRateLimited)
        .tag("why", "rate_limited")
        .description("events dropped by a task's rate limit")
        .register(registry);
  }

  /** API requests sent for events (creates, PATCHes, and the rare GET after a name clash). */
  public long requests() {
    return requests.get();
  }

  private void dispatch() {
    while (true) {
      List<Pending> batch;
      synchronized (lock) {
        try {
          while (pending.isEmpty() && !closed) {
            lock.wait();
          }
          if (pending.isEmpty()) {
            return;
          }
          if (!closed) {
            // The batching window: repeats arriving meanwhile fold into the writes queued.
            long until = System.nanoTime() + settings.window().toNanos();
            long left;
            while (!closed && (left = until - System.nanoTime()) > 0) {
              TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
          }
        } catch (InterruptedException e) {
          return;
        }
        batch = due();
        sending = true;
      }
      try {
        // One write per key per batch, so a create always ends before its first PATCH starts.
        CompletableFuture.allOf(
                batch.stream()
                    .map(p -> CompletableFuture.runAsync(() -> send(p), senders))
                    .toArray(CompletableFuture[]::new))
            .join();
      } catch (RuntimeException e) {
        LOG.warn("event batch: {}", e.toString());
      } finally {
        synchronized (lock) {
          sending = false;
          lock.notifyAll();
        }
      }
    }
  }

  /** Takes out of the queue what is to be sent now: all of it when closing or flushing. */
  private List<Pending> due() {
    if (closed || releaseHeld) {
      releaseHeld = false;
      heldStarts.clear();
      heldSuccesses.clear();
      List<Pending> all = new ArrayList<>(pending.values());
      pending.clear();
      return all;
    }
    Instant now = clock.instant();
    List<Pending> batch = new ArrayList<>();
    Iterator<Pending> it = pending.values().iterator();
    while (it.hasNext()) {
      Pending p = it.next();
      if (p.due() == null || !now.isBefore(p.due())) {
        batch.add(p);
        it.remove();
      }
    }
    // What was sent can no longer be taken in.
    heldStarts.values().removeIf(start -> !pending.containsKey(start.key()));
    heldSuccesses.values().removeIf(key -> !pending.containsKey(key));
    return batch;
  }

  private void send(Pending p) {
    try {
      if (p.create()) {
        create(p);
      } else if (!patch(p.namespace(), p.name(), p.count(), p.last(), p.message())) {
        // Gone (expired after the API server's event TTL, or deleted): written again, anew.
        String name = eventName(p.taskName(), p.key().digestInput(), p.last());
        synchronized (lock) {
          written.put(p.key(), new Written(name, 1));
        }
        create(
            new Pending(
                p.key(),
                p.namespace(),
                p.taskName(),
                p.taskUid(),
                name,
                true,
                1,
                p.last(),
                p.last(),
                p.message()));
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "could not record event {} for agenttask {}/{}: {}",
          p.key().reason(),
          p.namespace(),
          p.taskName(),
          rootCause(e));
    }
  }

  /**
   * Sends what is queued now, held progress included, and waits up to {@code timeout} for it to be
   * sent; true when it was.
   */
  public boolean flush(Duration timeout) {
    long until = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      releaseHeld = true;
      lock.notifyAll();
      try {
        long left;
        while ((!pending.isEmpty() || sending) && (left = until - System.nanoTime()) > 0) {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return pending.isEmpty() && !sending;
    }
  }

  /**
   * Stops taking events and sends what is queued without waiting for the batching window, for at
   * most {@code timeout}: a task's last events survive a graceful stop.
   */
  public void close(Duration timeout) {
    int left;
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
      left = pending.size();
    }
    if (!flush(timeout)) {
      LOG.warn("{} events of {} not sent within {} of stopping", pendingCount(), left, timeout);
    }
    senders.shutdownNow();
    dispatcher.interrupt();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  private int pendingCount() {
    synchronized (lock) {
      return pending.size();
    }
  }

  private static String rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e ? e.toString() : e.getMessage() + " (" + root + ")";
  }

  private static String describe(AgentTask task) {
    ObjectMeta meta = task == null ? null : task.getMetadata();
    return meta == null ? "?" : meta.getNamespace() + "/" + meta.getName();
  }

  static String message(EngineEvent event) {
    String text = event.message() == null ? "" : event.message();
    String full = event.step() != null ? event.step() + ": " + text : text;
    return Redactor.capUtf8(full, MAX_MESSAGE_BYTES);
  }

  /** One merge PATCH, no GET; false when the event is gone. */
  private boolean patch(String namespace, String name, int count, String last, String message) {
    Event change = new Event();
    change.setCount(count);
    change.setLastTimestamp(last);
    change.setMessage(message);
    try {
      requests.incrementAndGet();
      client
          .v1()
          .events()
          .inNamespace(namespace)
          .withName(name)
          .patch(PatchContext.of(PatchType.JSON_MERGE), change);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  private void create(Pending p) {
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withName(p.name())
            .withNamespace(p.namespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(HasMetadata.getApiVersion(AgentTask.class))
            .withKind(HasMetadata.getKind(AgentTask.class))
            .withName(p.taskName())
            .withNamespace(p.namespace())
            .withUid(p.taskUid())
            .endInvolvedObject()
            .withType(p.key().type().name())
            .withReason(p.key().reason())
            .withMessage(p.message())
            .withNewSource()
            .withComponent(SOURCE_COMPONENT)
            .endSource()
            .withReportingComponent(REPORTING_COMPONENT)
            .withFirstTimestamp(p.first())
            .withLastTimestamp(p.last())
            .withCount(p.count())
            .build();
    try {
      requests.incrementAndGet();
      client.v1().events().inNamespace(p.namespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      // The same key at the same second after a restart lands on the same name: a repeat of an
      // Event this recorder never counted, so its count is read once (the only GET here).
      requests.addAndGet(2);
      Event bumped =
          client
              .v1()
              .events()
              .inNamespace(p.namespace())
              .withName(p.name())
              .edit(
                  e2 -> {
                    e2.setCount((e2.getCount() == null ? 1 : e2.getCount()) + p.count());
                    e2.setLastTimestamp(p.last());
                    e2.setMessage(p.message());
                    return e2;
                  });
      synchronized (lock) {
        Written known = written.get(p.key());
        if (known != null && known.name.equals(p.name()) && bumped.getCount() != null) {
          // Repeats counted meanwhile sit on top of the count read.
          known.count = bumped.getCount() + (known.count - p.count());
        }
      }
    }
  }

  /** {@code <task-name>.<hash>}: the task's name is already a DNS subdomain, the hash is hex. */
  static String eventName(String taskName, String key, String firstTimestamp) {
    String hash = sha256(key + "\u0000" + firstTimestamp).substring(0, HASH_CHARS);
    String prefix = taskName;
    int room = MAX_NAME - 1 - HASH_CHARS;
    if (prefix.length() > room) {
      prefix = prefix.substring(0, room).replaceAll("[^a-z0-9]+$", "");
    }
    return prefix + "." + hash;
  }

  private String now() {
    // metav1.Time has second precision; anything finer would be dropped by the API server anyway.
    return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
  }

  private static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** client-go's spam filter: a burst per task, then one event per refill interval. */
  private static final class TokenBucket {
    private final Settings settings;
    private double tokens;
    private Instant last;

    TokenBucket(Settings settings) {
      this.settings = settings;
      this.tokens = settings.burst();
    }

    /** A token taken for an event that another one took in, so it was never sent. */
    void refund() {
      tokens = Math.min(settings.burst(), tokens + 1);
    }

    boolean take(Instant now) {
      if (last != null && now.isAfter(last)) {
        double refill =
            (double) Duration.between(last, now).toNanos() / settings.refillEvery().toNanos();
        tokens = Math.min(settings.burst(), tokens + refill);
      }
      if (last == null || now.isAfter(last)) {
        last = now;
      }
      if (tokens < 1) {
        return false;
      }
      tokens--;
      return true;
    }
  }
}
