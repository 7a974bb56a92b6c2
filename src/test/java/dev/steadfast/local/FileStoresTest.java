package dev.steadfast.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.steadfast.api.AgentTaskStatus;
import dev.steadfast.api.SecretKeyRef;
import dev.steadfast.api.TaskPhase;
import dev.steadfast.engine.breaker.BreakerId;
import dev.steadfast.engine.breaker.BreakerStore;
import dev.steadfast.executors.Secrets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStoresTest {
  @TempDir Path dir;

  @Test
  void checkpointRoundTripsAndSkipsUnchangedWrites() {
    FileCheckpointStore store = new FileCheckpointStore(dir.resolve("t"));
    assertThat(store.load()).isEmpty();
    AgentTaskStatus s = new AgentTaskStatus();
    s.phase = TaskPhase.Running;
    s.attempts = 3;
    assertThat(store.save(s)).isTrue();
    assertThat(store.save(s)).isFalse();
    assertThat(Files.exists(dir.resolve("t/status.json.tmp"))).isFalse();
    AgentTaskStatus back = new FileCheckpointStore(dir.resolve("t")).load().orElseThrow();
    assertThat(back.phase).isEqualTo(TaskPhase.Running);
    assertThat(back.attempts).isEqualTo(3);
  }

  @Test
  void breakerStatesSurviveARestart() {
    Instant until = Instant.parse("2026-01-01T00:01:00Z");
    new FileBreakerStore(dir)
        .save(
            Map.of(
                new BreakerId("default", "api.test/m"),
                new BreakerStore.Snapshot("OPEN", Instant.parse("2026-01-01T00:00:00Z"), until)));
    assertThat(new FileBreakerStore(dir).load().get(new BreakerId("default", "api.test/m")))
        .extracting(BreakerStore.Snapshot::openUntil)
        .isEqualTo(until);
    assertThat(new FileBreakerStore(dir).load())
        .doesNotContainKey(new BreakerId("other", "api.test/m"));
  }

  @Test
  void breakerStatesOfTheUnscopedEarlierFormatAreIgnoredThenReplaced() throws Exception {
    Files.writeString(
        dir.resolve("breakers.json"),
        "{\"api.test\":{\"state\":\"OPEN\",\"since\":\"2026-01-01T00:00:00Z\","
            + "\"openUntil\":\"2026-01-01T00:01:00Z\"},\"version\":{\"state\":\"OPEN\"}}");
    FileBreakerStore store = new FileBreakerStore(dir);
    assertThat(store.load()).isEmpty();

    var breakers = new dev.steadfast.engine.breaker.Breakers(java.time.Clock.systemUTC(), store);
    var spec =
        new dev.steadfast.engine.policy.BreakerSpec(
            null, 50, 4, 4, java.time.Duration.ofSeconds(60), 2);
    var breaker = breakers.get("default", "api.test", spec);
    assertThat(breaker.tryAcquirePermission()).isTrue();
    // Replaced at the breaker's next transition (a new closed breaker writes nothing).
    for (int i = 0; i < 4; i++) {
      dev.steadfast.engine.breaker.Breakers.recordTransient(breaker, java.time.Duration.ZERO);
    }
    assertThat(new FileBreakerStore(dir).load())
        .containsOnlyKeys(new BreakerId("default", "api.test"));
  }

  @Test
  void aDamagedBreakerFileReadsAsNoStates() throws Exception {
    Files.writeString(dir.resolve("breakers.json"), "{\"version\":2,\"namespaces\":[1,2");
    assertThat(new FileBreakerStore(dir).load()).isEmpty();
    Files.writeString(
        dir.resolve("breakers.json"),
        "{\"version\":2,\"namespaces\":{\"a\":{\"k\":{\"state\":\"OPEN\",\"since\":\"soon\"},"
            + "\"j\":{\"state\":\"CLOSED\"}},\"b\":7}}");
    assertThat(new FileBreakerStore(dir).load()).containsOnlyKeys(new BreakerId("a", "j"));
  }

  @Test
  void aNamespaceThatIsNoDnsLabelCannotLeaveTheCacheDirectory() throws Exception {
    FileResponseCache cache = new FileResponseCache(dir.resolve("state"));
    cache.put("../../escaped", "k", TextNode.valueOf("v"));
    cache.put("ns-" + "x", "k", TextNode.valueOf("other"));

    try (var files = Files.walk(dir)) {
      assertThat(files.filter(Files::isRegularFile))
          .allMatch(f -> f.startsWith(dir.resolve("state/cache")))
          .hasSize(2);
    }
    assertThat(cache.get("../../escaped", "k")).contains(TextNode.valueOf("v"));
    assertThat(cache.get("ns-x", "k")).contains(TextNode.valueOf("other"));
  }

  @Test
  void responseCacheIsBoundedAndPerNamespace() {
    FileResponseCache cache = new FileResponseCache(dir);
    for (int i = 0; i < 300; i++) {
      cache.put("a", "k" + i, TextNode.valueOf("v" + i));
    }
    assertThat(cache.get("a", "k0")).isEmpty();
    assertThat(cache.get("a", "k299")).contains(TextNode.valueOf("v299"));
    assertThat(new FileResponseCache(dir).get("a", "k299")).isPresent();
    assertThat(cache.get("b", "k299")).isEmpty();
  }

  @Test
  void secretsDirectoryLayout() throws Exception {
    Files.createDirectories(dir.resolve("s/creds"));
    Files.writeString(dir.resolve("s/creds/token"), "abc123\n");
    DirSecrets secrets = new DirSecrets(dir.resolve("s"));
    assertThat(secrets.get("ns", new SecretKeyRef("creds", "token"))).isEqualTo("abc123");
    assertThatThrownBy(() -> secrets.get("ns", new SecretKeyRef("creds", "other")))
        .isInstanceOf(Secrets.SecretNotFoundException.class)
        .hasMessageContaining("creds")
        .hasMessageContaining("other");
    assertThatThrownBy(() -> secrets.get("ns", new SecretKeyRef("..", "etc")))
        .isInstanceOf(Secrets.SecretNotFoundException.class);
  }
}
