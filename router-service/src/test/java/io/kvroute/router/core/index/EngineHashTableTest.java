package io.kvroute.router.core.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EngineHashTableTest {

  @Test
  void shouldKeepKeysThatDifferFromTheirNodesHashBesideTheSlots() {
    EngineHashTable table = new EngineHashTable(0);
    RadixNode a = new RadixNode(1, 101);
    RadixNode b = new RadixNode(2, 102);

    assertThat(table.put(101, a)).isNull();
    assertThat(table.put(555, b)).isNull(); // this worker hashes block b differently
    assertThat(table.otherCount()).isEqualTo(1);
    assertThat(table.get(101)).isSameAs(a);
    assertThat(table.get(555)).isSameAs(b);
    assertThat(table.get(102)).isNull();
    assertThat(table.size()).isEqualTo(2);

    // The same key moving between the two stores returns what it mapped to and stays in one of them.
    RadixNode c = new RadixNode(3, 555);
    assertThat(table.put(555, c)).isSameAs(b);
    assertThat(table.otherCount()).isZero();
    assertThat(table.put(555, b)).isSameAs(c);
    assertThat(table.size()).isEqualTo(2);
    assertThat(table.remove(555)).isSameAs(b);
    assertThat(table.remove(555)).isNull();
    assertThat(table.remove(101)).isSameAs(a);
    assertThat(table.isEmpty()).isTrue();
  }

  @Test
  void shouldGrowFromAnyHintAndShrinkBackWhenEmpty() {
    EngineHashTable table = new EngineHashTable(4);
    int initial = table.slotCount();
    List<RadixNode> nodes = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      RadixNode n = new RadixNode(i, 7_000_000L + i * 31L);
      nodes.add(n);
      table.put(n.blockHash, n);
    }
    assertThat(table.slotCount()).isGreaterThanOrEqualTo(2 * 10_000);
    for (RadixNode n : nodes) {
      assertThat(table.get(n.blockHash)).isSameAs(n);
      assertThat(table.remove(n.blockHash)).isSameAs(n);
    }
    table.trimIfEmpty(4);
    assertThat(table.slotCount()).isEqualTo(initial);
  }

  /** Random puts, re-puts, removals and lookups against a HashMap; a small key space forces long probe runs. */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void shouldAgreeWithAMapUnderRandomOperations(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    EngineHashTable table = new EngineHashTable(rnd.nextInt(64));
    Map<Long, RadixNode> expected = new HashMap<>();
    for (int step = 0; step < 200_000; step++) {
      long key = rnd.nextInt(3_000) * 0x10000L; // keys that share low bits, so the spread function matters
      int op = rnd.nextInt(10);
      if (op < 5) {
        // Mostly the node's own hash; sometimes another one (a differently seeded worker).
        RadixNode n = new RadixNode(step, rnd.nextInt(8) == 0 ? key + 1 : key);
        assertThat(table.put(key, n)).isSameAs(expected.put(key, n));
      } else if (op < 8) {
        assertThat(table.remove(key)).isSameAs(expected.remove(key));
      } else {
        assertThat(table.get(key)).isSameAs(expected.get(key));
      }
      if (step % 10_000 == 0) {
        assertThat(table.size()).isEqualTo(expected.size());
      }
    }
    Map<Long, RadixNode> visited = new HashMap<>();
    table.forEach((hash, node) -> assertThat(visited.put(hash, node)).isNull());
    assertThat(visited).isEqualTo(expected);
  }

  /**
   * Keys that all share one home slot, half of them also the fingerprint bits of their tag: probe runs far longer
   * than the 4-bit distance field holds, lookups that must read the node to tell same-tag keys apart, and removals
   * in random order that shift the run back through capped and uncapped distances.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void shouldKeepEveryKeyReachableInLongProbeRunsOfOneHome(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    EngineHashTable table = new EngineHashTable(32);
    int mask = table.slotCount() - 1;
    assertThat(mask).isEqualTo(63);
    int home = rnd.nextInt(64);
    List<Long> keys = new ArrayList<>();
    int sameTag = 0;
    int sameHome = 0;
    for (long k = rnd.nextLong(); sameTag < 12 || sameHome < 12; k++) {
      int h = EngineHashTable.spread(k);
      if ((h & mask) != home) {
        continue;
      }
      if ((h >>> 28) == 0x5 && sameTag < 12) {
        keys.add(k);
        sameTag++;
      } else if ((h >>> 28) != 0x5 && sameHome < 12) {
        keys.add(k);
        sameHome++;
      }
    }
    // A few keys homed elsewhere, so the run also passes entries it must not move.
    for (int i = 0; i < 6; i++) {
      keys.add(rnd.nextLong());
    }
    java.util.Collections.shuffle(keys, new java.util.Random(seed));
    Map<Long, RadixNode> expected = new HashMap<>();
    for (long k : keys) {
      RadixNode n = new RadixNode(k, k);
      assertThat(table.put(k, n)).isNull();
      expected.put(k, n);
    }
    assertThat(table.slotCount()).isEqualTo(64); // 30 keys: no resize, the run stays one long run
    while (!expected.isEmpty()) {
      for (Map.Entry<Long, RadixNode> e : expected.entrySet()) {
        assertThat(table.get(e.getKey())).isSameAs(e.getValue());
      }
      long victim = keys.remove(rnd.nextInt(keys.size()));
      assertThat(table.remove(victim)).isSameAs(expected.remove(victim));
      assertThat(table.get(victim)).isNull();
      assertThat(table.remove(victim)).isNull();
      // Re-putting a present key replaces it in place.
      if (!keys.isEmpty()) {
        long k = keys.get(rnd.nextInt(keys.size()));
        RadixNode n = new RadixNode(-k, k);
        assertThat(table.put(k, n)).isSameAs(expected.put(k, n));
      }
      assertThat(table.size()).isEqualTo(expected.size());
    }
  }
}
