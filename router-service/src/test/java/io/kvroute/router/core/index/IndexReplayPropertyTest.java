package io.kvroute.router.core.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.hash.BlockHasher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Random event streams → dump → replay into a fresh index → identical tree, sizes, matches and engine hashes. Every
 * third target hashes its blocks with its own seed (as vLLM workers without PYTHONHASHSEED do), so the same block
 * has different engine hashes on different targets.
 */
class IndexReplayPropertyTest {

  @ParameterizedTest(name = "seed {0}, {1} targets")
  @CsvSource({"1, 4", "2, 7", "3, 70", "4, 3", "5, 130", "6, 16"})
  void shouldRebuildAnIdenticalTreeFromItsDump(long seed, int targets) {
    SplittableRandom rnd = new SplittableRandom(seed);
    RadixIndex index = new RadixIndex();
    // Per target, the engine hashes it holds, with their local-hash paths (engine hash = sequence hash of path).
    List<List<long[]>> held = new ArrayList<>();
    for (int t = 0; t < targets; t++) {
      held.add(new ArrayList<>());
    }
    for (int step = 0; step < 3000; step++) {
      int t = rnd.nextInt(targets);
      List<long[]> mine = held.get(t);
      int kind = rnd.nextInt(100);
      if (kind < 55) {
        long[] prefix = mine.isEmpty() || rnd.nextInt(4) == 0 ? new long[0] : mine.get(rnd.nextInt(mine.size()));
        int len = 1 + rnd.nextInt(6);
        long[] path = java.util.Arrays.copyOf(prefix, prefix.length + len);
        for (int i = prefix.length; i < path.length; i++) {
          path[i] = 1 + rnd.nextInt(5); // small alphabet: lots of sharing between targets
        }
        long[] seq = engineHashes(t, path);
        long[] blocks = java.util.Arrays.copyOfRange(seq, prefix.length, path.length);
        long[] locals = java.util.Arrays.copyOfRange(path, prefix.length, path.length);
        KvEvent.Stored ev = prefix.length == 0 ? KvEvent.Stored.root(blocks, locals)
            : KvEvent.Stored.under(seq[prefix.length - 1], blocks, locals);
        if (index.apply(t, ev)) {
          for (int i = prefix.length + 1; i <= path.length; i++) {
            mine.add(java.util.Arrays.copyOf(path, i));
          }
        }
      } else if (kind < 85 && !mine.isEmpty()) {
        int n = 1 + rnd.nextInt(3);
        long[] hashes = new long[n];
        for (int i = 0; i < n; i++) {
          long[] path = mine.get(rnd.nextInt(mine.size()));
          long[] seq = engineHashes(t, path);
          hashes[i] = i == n - 1 && rnd.nextInt(5) == 0 ? 999_999 : seq[seq.length - 1];
        }
        index.apply(t, new KvEvent.Removed(hashes));
      } else if (kind < 88) {
        index.apply(t, KvEvent.Cleared.INSTANCE);
        mine.clear();
      } else if (kind < 92) {
        index.apply(t, KvEvent.Stored.under(rnd.nextLong(), new long[] {rnd.nextLong()}, new long[] {1}));
      }
    }

    Map<Integer, List<KvEvent>> dump = index.dump(true);
    RadixIndex copy = new RadixIndex();
    dump.forEach((t, events) -> events.forEach(e -> copy.apply(t, e)));

    assertThat(copy.canonical()).isEqualTo(index.canonical());
    assertThat(copy.nodes()).isEqualTo(index.nodes());
    assertThat(copy.entries()).isEqualTo(index.entries());
    for (int t = 0; t < targets; t++) {
      assertThat(copy.size(t)).as("size of %d", t).isEqualTo(index.size(t));
    }
    MatchResult a = new MatchResult();
    MatchResult b = new MatchResult();
    for (int q = 0; q < 500; q++) {
      long[] query = new long[1 + rnd.nextInt(12)];
      for (int i = 0; i < query.length; i++) {
        query[i] = 1 + rnd.nextInt(5);
      }
      boolean early = rnd.nextBoolean();
      index.match(query, query.length, early, a);
      copy.match(query, query.length, early, b);
      assertThat(b.count()).isEqualTo(a.count());
      for (int t = 0; t < targets; t++) {
        assertThat(b.depth(t)).isEqualTo(a.depth(t));
      }
    }
    assertThat(index.dropped(RadixIndex.Drop.UNKNOWN_PARENT)).isPositive();

    // The copy knows every block under the hash its target uses: evicting everything the same way empties both.
    for (int t = 0; t < targets; t++) {
      for (long[] path : held.get(t)) {
        long[] seq = engineHashes(t, path);
        KvEvent.Removed gone = new KvEvent.Removed(new long[] {seq[seq.length - 1]});
        assertThat(copy.apply(t, gone)).as("target %d, known in the copy", t).isEqualTo(index.apply(t, gone));
      }
    }
    assertThat(copy.canonical()).isEqualTo(index.canonical());
    assertThat(index.nodes()).isZero();
  }

  /**
   * Self-referencing stored events are rejected without a trace: an index that also receives them (each a chain
   * that starts inside what its target holds, runs through blocks other targets hold into new ones, with one hash
   * repeated somewhere or equal to the parent) ends identical to a twin that never saw them, through later events
   * and a full eviction.
   */
  @ParameterizedTest(name = "seed {0}, {1} targets")
  @CsvSource({"11, 3", "12, 5", "13, 66"})
  void shouldLeaveNoTraceOfARejectedSelfReferencingEvent(long seed, int targets) {
    SplittableRandom rnd = new SplittableRandom(seed);
    RadixIndex index = new RadixIndex();
    RadixIndex twin = new RadixIndex();
    List<List<long[]>> held = new ArrayList<>();
    for (int t = 0; t < targets; t++) {
      held.add(new ArrayList<>());
    }
    int rejected = 0;
    for (int step = 0; step < 4000; step++) {
      int t = rnd.nextInt(targets);
      List<long[]> mine = held.get(t);
      long[] full = mine.isEmpty() || rnd.nextInt(4) == 0 ? new long[0] : mine.get(rnd.nextInt(mine.size()));
      int from = full.length == 0 ? 0 : rnd.nextInt(full.length + 1); // the event starts inside what t holds
      long[] path = java.util.Arrays.copyOf(full, full.length + 1 + rnd.nextInt(8));
      for (int i = full.length; i < path.length; i++) {
        path[i] = 1 + rnd.nextInt(4);
      }
      long[] seq = engineHashes(t, path);
      long[] blocks = java.util.Arrays.copyOfRange(seq, from, path.length);
      long[] locals = java.util.Arrays.copyOfRange(path, from, path.length);
      boolean bad = rnd.nextInt(3) == 0;
      if (bad) {
        int j = rnd.nextInt(blocks.length);
        if (from > 0 && rnd.nextBoolean()) {
          blocks[j] = seq[from - 1]; // the parent's hash among the blocks
        } else if (blocks.length > 1) {
          int i = rnd.nextInt(blocks.length);
          while (i == j) {
            i = rnd.nextInt(blocks.length);
          }
          blocks[Math.max(i, j)] = blocks[Math.min(i, j)];
        } else {
          bad = false;
        }
      }
      KvEvent.Stored ev = from == 0 ? KvEvent.Stored.root(blocks, locals)
          : KvEvent.Stored.under(seq[from - 1], blocks, locals);
      boolean ok = index.apply(t, ev);
      if (bad) {
        assertThat(ok).as("step %d", step).isFalse();
        rejected++;
      } else {
        assertThat(twin.apply(t, ev)).isEqualTo(ok);
        if (ok) {
          for (int i = full.length + 1; i <= path.length; i++) {
            mine.add(java.util.Arrays.copyOf(path, i));
          }
        }
      }
      if (rnd.nextInt(4) == 0 && !mine.isEmpty()) {
        long[] p = mine.get(rnd.nextInt(mine.size()));
        long[] ps = engineHashes(t, p);
        KvEvent.Removed gone = new KvEvent.Removed(new long[] {ps[ps.length - 1]});
        assertThat(index.apply(t, gone)).isEqualTo(twin.apply(t, gone));
      }
      if (step % 500 == 0) {
        assertThat(index.canonical()).as("step %d", step).isEqualTo(twin.canonical());
      }
    }
    assertThat(rejected).isGreaterThan(1000);
    assertThat(index.dropped(RadixIndex.Drop.SELF_REFERENCE)).isEqualTo(rejected);
    assertThat(index.canonical()).isEqualTo(twin.canonical());
    assertThat(index.nodes()).isEqualTo(twin.nodes());
    assertThat(index.entries()).isEqualTo(twin.entries());
    for (int t = 0; t < targets; t++) {
      assertThat(index.size(t)).as("size of %d", t).isEqualTo(twin.size(t));
      for (long[] path : held.get(t)) {
        long[] seq = engineHashes(t, path);
        KvEvent.Removed gone = new KvEvent.Removed(new long[] {seq[seq.length - 1]});
        assertThat(index.apply(t, gone)).isEqualTo(twin.apply(t, gone));
      }
    }
    assertThat(index.canonical()).isEqualTo(twin.canonical());
    assertThat(index.nodes()).isZero();
    assertThat(index.entries()).isZero();
  }

  private static long[] engineHashes(int target, long[] path) {
    long[] seq = BlockHasher.sequenceHashes(path);
    if (target % 3 == 1) {
      for (int i = 0; i < seq.length; i++) {
        seq[i] ^= 0x5DEECE66DL * (target + 1);
      }
    }
    return seq;
  }
}
