package dev.steadfast.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.api.AgentTask;
import dev.steadfast.api.AgentTaskStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

class SharedTasksTest {
  static AgentTask task(String name) {
    AgentTask t = new AgentTask();
    t.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("team-a")
            .withResourceVersion("7")
            .build());
    t.setStatus(new AgentTaskStatus());
    return t;
  }

  @Test
  void aReconcileIsHandedTheTaskItselfNotACopy() {
    AgentTask t = task("a");
    assertThat(SharedTasks.shared().clone(t)).isSameAs(t);
    assertThat(SharedTasks.shared().changed()).isEmpty();
  }

  @Test
  void theCheckingClonerNamesATaskChangedAfterItWasHandedOut() {
    SharedTasks tasks = SharedTasks.checking(new KubernetesSerialization());
    AgentTask untouched = task("untouched");
    AgentTask changed = task("changed");
    assertThat(tasks.clone(untouched)).isSameAs(untouched);
    assertThat(tasks.clone(changed)).isSameAs(changed);
    assertThat(tasks.changed()).isEmpty();

    changed.getStatus().message = "written into the cache";
    // Handed out again later: still compared with what it was the first time.
    tasks.clone(changed);

    assertThat(tasks.changed()).containsExactly("team-a/changed at resourceVersion 7");
  }
}
