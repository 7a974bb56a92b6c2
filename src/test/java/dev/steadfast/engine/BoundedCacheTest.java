package dev.steadfast.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;

/** The operator's response cache is bounded by bytes, and a flood evicts the flooder first. */
class BoundedCacheTest {
  static final int KIB = 1024;

  static TextNode output(int bytes) {
    return TextNode.valueOf("o".repeat(bytes));
  }

  @Test
  void manyLargeOutputsStayWithinTheBudgetAndTheOldestGoFirst() {
    BoundedCache cache = new BoundedCache(256 * KIB);

    for (int i = 0; i < 100; i++) {
      cache.put("team-a", "step/" + i, output(20 * KIB));
    }

    assertThat(cache.bytes()).isLessThanOrEqualTo(256 * KIB);
    assertThat(cache.get("team-a", "step/99")).contains(output(20 * KIB));
    assertThat(cache.get("team-a", "step/0")).isEmpty();
  }

  @Test
  void aRecentlyReadEntryOutlivesOlderUnreadOnes() {
    BoundedCache cache = new BoundedCache(100 * KIB);
    cache.put("ns", "first", output(30 * KIB));
    cache.put("ns", "second", output(30 * KIB));
    cache.put("ns", "third", output(30 * KIB));

    assertThat(cache.get("ns", "first")).isPresent();
    cache.put("ns", "fourth", output(30 * KIB));

    assertThat(cache.get("ns", "first")).isPresent();
    assertThat(cache.get("ns", "second")).isEmpty();
  }

  @Test
  void aNamespaceThatFloodsTheCacheEvictsItsOwnEntriesNotAnothers() {
    BoundedCache cache = new BoundedCache(256 * KIB);
    cache.put("team-b", "summary/abc", output(10 * KIB));

    for (int i = 0; i < 1000; i++) {
      cache.put("team-a", "flood/" + i, output(8 * KIB));
    }

    assertThat(cache.get("team-b", "summary/abc")).contains(output(10 * KIB));
    assertThat(cache.bytes()).isLessThanOrEqualTo(256 * KIB);
  }

  @Test
  void namespacesNeverReadEachOthersEntries() {
    BoundedCache cache = new BoundedCache(256 * KIB);
    cache.put("team-a", "k", output(10));

    assertThat(cache.get("team-b", "k")).isEmpty();
    assertThat(cache.get("team-a", "k")).contains(output(10));
  }

  @Test
  void anOutputLargerThanTheWholeCacheIsNotKeptAndEvictsNothing() {
    BoundedCache cache = new BoundedCache(64 * KIB);
    cache.put("ns", "small", output(KIB));

    cache.put("ns", "huge", output(128 * KIB));

    assertThat(cache.get("ns", "huge")).isEmpty();
    assertThat(cache.get("ns", "small")).isPresent();
  }

  @Test
  void replacingAnEntryCountsOnlyTheNewOne() {
    BoundedCache cache = new BoundedCache(64 * KIB);
    for (int i = 0; i < 50; i++) {
      cache.put("ns", "same", output(10 * KIB));
    }
    cache.put("ns", "other", output(10 * KIB));

    assertThat(cache.get("ns", "same")).isPresent();
    assertThat(cache.bytes()).isLessThan(24 * KIB);
  }
}
