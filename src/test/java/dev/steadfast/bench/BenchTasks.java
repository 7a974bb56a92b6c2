package dev.steadfast.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * AgentTasks for the benchmark, as plain (generic) resources written from YAML: the benchmark
 * speaks to the API server as a user would and needs none of the operator's types.
 */
final class BenchTasks implements AutoCloseable {
  static final ResourceDefinitionContext AGENT_TASKS =
      new ResourceDefinitionContext.Builder()
          .withGroup("steadfast.dev")
          .withVersion("v1alpha1")
          .withKind("AgentTask")
          .withPlural("agenttasks")
          .withNamespaced(true)
          .build();
  static final int CLIENT_THREADS = 8;

  final KubernetesClient client;
  final String namespace;
  private final ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);

  /** A namespace with the model's API key, bound to loopback hosts (docs/security.md). */
  BenchTasks(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
    client
        .resource(
            new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                .withNewMetadata()
                .withName(namespace)
                .endMetadata()
                .build())
        .fieldManager("steadfast-bench")
        .serverSideApply();
    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("llm-credentials")
                .addToAnnotations("steadfast.dev/allowed-hosts", "127.0.0.1,localhost")
                .endMetadata()
                .addToStringData("api-key", "sk-bench")
                .build())
        .fieldManager("steadfast-bench")
        .serverSideApply();
  }

  MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      tasks() {
    return client.genericKubernetesResources(AGENT_TASKS);
  }

  /** A task of {@code steps} llm steps s1..sN, each one call to the simulator. */
  GenericKubernetesResource llmTask(String name, int steps, String simulatorUrl) {
    StringBuilder yaml =
        new StringBuilder("apiVersion: steadfast.dev/v1alpha1\nkind: AgentTask\nmetadata: {name: ")
            .append(name)
            .append(", namespace: ")
            .append(namespace)
            .append("}\nspec:\n  steps:\n");
    for (int s = 1; s <= steps; s++) {
      yaml.append("    - name: s")
          .append(s)
          .append("\n      llm: {endpoint: '")
          .append(simulatorUrl)
          .append("/v1', model: bench, apiKeySecretRef: {name: llm-credentials, key: api-key},")
          .append(" messages: [{role: user, content: 'step ")
          .append(s)
          .append(" of ")
          .append(name)
          .append("'}]}\n");
    }
    return client
        .getKubernetesSerialization()
        .unmarshal(yaml.toString(), GenericKubernetesResource.class);
  }

  /**
   * Creates {@code count} tasks named {@code prefix-0..} from {@link #CLIENT_THREADS} threads, then
   * applies {@code after} to each created object (e.g. a status write); returns the results.
   */
  List<GenericKubernetesResource> createAll(
      String prefix,
      int count,
      Function<String, GenericKubernetesResource> task,
      Function<GenericKubernetesResource, GenericKubernetesResource> after)
      throws Exception {
    List<Future<GenericKubernetesResource>> futures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = prefix + "-" + i;
      futures.add(pool.submit(() -> after.apply(create(task.apply(name)))));
    }
    List<GenericKubernetesResource> created = new ArrayList<>();
    for (Future<GenericKubernetesResource> f : futures) {
      created.add(f.get());
    }
    return created;
  }

  /**
   * A create that fabric8 retried after the API server timed out (a loaded machine) can find its
   * own first try done: that is the task created, not a failure of the benchmark.
   */
  private GenericKubernetesResource create(GenericKubernetesResource t) {
    try {
      return tasks().inNamespace(namespace).resource(t).create();
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      return tasks().inNamespace(namespace).withName(t.getMetadata().getName()).get();
    }
  }

  List<GenericKubernetesResource> list() {
    return tasks().inNamespace(namespace).list().getItems();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> status(GenericKubernetesResource task) {
    Object status = task.getAdditionalProperties().get("status");
    return status instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  static String phase(GenericKubernetesResource task) {
    Object phase = status(task).get("phase");
    return phase == null ? "none" : phase.toString();
  }

  static boolean finished(GenericKubernetesResource task) {
    String phase = phase(task);
    return phase.equals("Succeeded") || phase.equals("Failed");
  }

  /**
   * Watches the namespace's Succeeded and Failed tasks and notes when each first shows up. The API
   * server filters by phase (the CRD declares status.phase a selectable field), so the benchmark is
   * sent each task once when it finishes rather than every status write: its observation costs the
   * API server and the machine's two cores next to nothing, as a person's watch of a few tasks
   * would.
   */
  Finishes watchFinishes() {
    Finishes finishes = new Finishes();
    for (String phase : List.of("Succeeded", "Failed")) {
      finishes.informers.add(
          tasks().inNamespace(namespace).withField("status.phase", phase).inform(finishes, 0));
    }
    return finishes;
  }

  static final class Finishes implements ResourceEventHandler<GenericKubernetesResource> {
    private final Set<String> done = ConcurrentHashMap.newKeySet();
    private final AtomicInteger failed = new AtomicInteger();
    private volatile long lastNanos;
    private final List<SharedIndexInformer<GenericKubernetesResource>> informers =
        new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void onAdd(GenericKubernetesResource task) {
      note(task);
    }

    @Override
    public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource task) {
      note(task);
    }

    @Override
    public void onDelete(GenericKubernetesResource task, boolean unknownFinalState) {}

    private void note(GenericKubernetesResource task) {
      if (finished(task) && done.add(task.getMetadata().getName())) {
        lastNanos = System.nanoTime();
        if (phase(task).equals("Failed")) {
          failed.incrementAndGet();
        }
      }
    }

    int count() {
      return done.size();
    }

    int failed() {
      return failed.get();
    }

    /**
     * Waits until {@code n} tasks have finished; returns the System.nanoTime at which the last of
     * them was seen finished, or -1 after {@code timeout}.
     */
    long await(int n, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (done.size() < n) {
        if (System.nanoTime() > deadline) {
          return -1;
        }
        Thread.sleep(20);
      }
      return lastNanos;
    }

    void stop() {
      informers.forEach(SharedIndexInformer::stop);
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
