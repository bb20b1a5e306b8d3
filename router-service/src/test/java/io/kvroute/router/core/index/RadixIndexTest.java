package io.kvroute.router.core.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvroute.common.event.KvEvent;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RadixIndexTest {

  private final RadixIndex index = new RadixIndex();
  private final MatchResult m = new MatchResult();

  private static KvEvent.Stored root(long... hashes) {
    return KvEvent.Stored.root(engine(hashes), hashes);
  }

  private static KvEvent.Stored under(long parentLocal, long... hashes) {
    return KvEvent.Stored.under(parentLocal + 1000, engine(hashes), hashes);
  }

  /** Engine hash of a block = local hash + 1000 in these tests. */
  private static long[] engine(long[] locals) {
    long[] out = new long[locals.length];
    for (int i = 0; i < locals.length; i++) {
      out[i] = locals[i] + 1000;
    }
    return out;
  }

  private static KvEvent.Removed removed(long... locals) {
    return new KvEvent.Removed(engine(locals));
  }

  private void match(long... query) {
    index.match(query, query.length, false, m);
  }

  @Test
  void shouldRecordDepthAtWhichEachTargetDropsOut() {
    index.apply(0, root(1, 2, 3, 4));
    index.apply(1, root(1, 2));
    index.apply(2, root(1, 2, 3));
    index.apply(3, root(9));

    match(1, 2, 3, 4, 5);

    assertThat(m.depth(0)).isEqualTo(4);
    assertThat(m.depth(1)).isEqualTo(2);
    assertThat(m.depth(2)).isEqualTo(3);
    assertThat(m.depth(3)).isZero();
    assertThat(m.count()).isEqualTo(3);
    assertThat(index.size(0)).isEqualTo(4);
    assertThat(index.nodes()).isEqualTo(5);
    assertThat(index.entries()).isEqualTo(10);
  }

  @Test
  void shouldStopEarlyWhenOneTargetIsLeft() {
    index.apply(0, root(1, 2, 3, 4));
    index.apply(1, root(1, 2));
    index.match(new long[] {1, 2, 3, 4}, 4, true, m);
    assertThat(m.depth(1)).isEqualTo(2);
    assertThat(m.depth(0)).isEqualTo(3); // stopped as soon as target 0 was alone
  }

  @Test
  void shouldDropWholeStoredEventWithUnknownParent() {
    index.apply(0, root(1));
    boolean ok = index.apply(0, KvEvent.Stored.under(424242, new long[] {5, 6}, new long[] {5, 6}));
    assertThat(ok).isFalse();
    assertThat(index.dropped(RadixIndex.Drop.UNKNOWN_PARENT)).isEqualTo(1);
    assertThat(index.size(0)).isEqualTo(1);
    assertThat(index.nodes()).isEqualTo(1);
  }

  @Test
  void shouldRejectSelfReferencingHashes() {
    index.apply(0, root(1));
    assertThat(index.apply(0, KvEvent.Stored.under(1001, new long[] {1001}, new long[] {7}))).isFalse();
    assertThat(index.apply(0, KvEvent.Stored.root(new long[] {5, 6, 5}, new long[] {1, 2, 3}))).isFalse();
    long[] many = new long[20];
    for (int i = 0; i < many.length; i++) {
      many[i] = i == 19 ? 100 : 100 + i;
    }
    assertThat(index.apply(0, KvEvent.Stored.root(many, many))).isFalse();
    assertThat(index.dropped(RadixIndex.Drop.SELF_REFERENCE)).isEqualTo(3);
    assertThat(index.size(0)).isEqualTo(1);
  }

  @Test
  void shouldRejectRepeatsAnywhereInLongEventsAndAcceptDistinctHashes() {
    // A repeat is found where its second occurrence is stored, and the blocks before it are taken back; events of
    // distinct hashes must be accepted; any real repeat (or the parent among the blocks) rejects.
    SplittableRandom rnd = new SplittableRandom(11);
    int rejected = 0;
    for (int e = 0; e < 300; e++) {
      long[] locals = rnd.longs(64).toArray();
      long[] engine = locals.clone();
      if (e % 3 == 1) {
        int j = rnd.nextInt(63);
        engine[j + 1 + rnd.nextInt(63 - j)] = engine[j];
      }
      KvEvent.Stored s = e % 3 == 2 ? KvEvent.Stored.under(engine[rnd.nextInt(64)], engine, locals)
          : KvEvent.Stored.root(engine, locals);
      boolean ok = index.apply(0, s);
      assertThat(ok).as("event %d", e).isEqualTo(e % 3 == 0);
      rejected += ok ? 0 : 1;
    }
    assertThat(index.dropped(RadixIndex.Drop.SELF_REFERENCE)).isEqualTo(200).isEqualTo(rejected);
    assertThat(index.size(0)).isEqualTo(100 * 64);
  }

  /**
   * An engine that re-stores hashes it holds at another place of the tree (every put of the event finds its hash
   * mapped to another node, which is also how a repeat shows): the event is accepted, the hashes move, and the old
   * places, no longer held, are pruned.
   */
  @Test
  void shouldMoveHashesThatAreReStoredElsewhere() {
    long[] old = new long[40];
    long[] moved = new long[40];
    for (int i = 0; i < old.length; i++) {
      old[i] = 5_000 + i;
      moved[i] = 9_000 + i;
    }
    assertThat(index.apply(0, KvEvent.Stored.root(engine(old), old))).isTrue();
    assertThat(index.apply(1, KvEvent.Stored.root(engine(old), old))).isTrue();
    // Target 0 now reports its hashes 6000.. (= old locals + 1000) under the path of `moved`.
    assertThat(index.apply(0, KvEvent.Stored.root(engine(old), moved))).isTrue();

    assertThat(index.dropped(RadixIndex.Drop.SELF_REFERENCE)).isZero();
    assertThat(index.size(0)).isEqualTo(40);
    assertThat(index.nodes()).isEqualTo(80); // the old chain stays for target 1
    match(old);
    assertThat(m.depth(0)).isZero();
    assertThat(m.depth(1)).isEqualTo(40);
    match(moved);
    assertThat(m.depth(0)).isEqualTo(40);
    assertThat(index.apply(1, new KvEvent.Removed(engine(old)))).isTrue();
    assertThat(index.nodes()).isEqualTo(40);
    assertThat(index.apply(0, new KvEvent.Removed(engine(old)))).isTrue();
    assertThat(index.nodes()).isZero();
    assertThat(index.entries()).isZero();
  }

  @Test
  void shouldPresizeFromACapacityHintWithoutChangingTheTree() {
    RadixIndex hinted = new RadixIndex();
    hinted.expectBlocks(0, 8192);
    RadixIndex late = new RadixIndex();
    SplittableRandom rnd = new SplittableRandom(3);
    for (int e = 0; e < 200; e++) {
      long[] locals = rnd.longs(1 + rnd.nextInt(20)).toArray();
      KvEvent ev = KvEvent.Stored.root(locals.clone(), locals);
      for (RadixIndex i : List.of(index, hinted, late)) {
        i.apply(0, ev);
        if (e % 4 == 3) {
          i.apply(0, new KvEvent.Removed(new long[] {locals[locals.length - 1]}));
        }
      }
      if (e == 100) {
        late.expectBlocks(0, 8192); // an existing table grows once to the hinted size
      }
    }
    assertThat(hinted.canonical()).isEqualTo(index.canonical()).isEqualTo(late.canonical());
    assertThat(hinted.size(0)).isEqualTo(index.size(0)).isEqualTo(late.size(0));
    // A table sized for 8,192 blocks (16,384 slots of 4 bytes), whatever it holds (here about 2,000 entries, which
    // an unhinted table keeps in at most 8,192 slots).
    assertThat(hinted.approxBytes() - index.approxBytes()).isGreaterThanOrEqualTo((16_384L - 8192) * 4);
    assertThat(late.approxBytes()).isEqualTo(hinted.approxBytes());
  }

  @Test
  void shouldClampCapacityHints() {
    index.expectBlocks(3, Long.MAX_VALUE);
    assertThat(index.capacityHint(3)).isEqualTo(RadixIndex.MAX_PRESIZED_BLOCKS);
    index.expectBlocks(3, -5);
    assertThat(index.capacityHint(3)).isZero();
    assertThat(index.capacityHint(99)).isZero();
    assertThatThrownBy(() -> index.expectBlocks(-1, 10)).isInstanceOf(IllegalArgumentException.class);
    index.expectBlocks(200, 10);
    index.apply(200, root(1, 2));
    assertThat(index.size(200)).isEqualTo(2);
    index.removeTarget(200, RadixIndex.WriteGate.NONE);
    assertThat(index.capacityHint(200)).isZero();
  }

  @Test
  void shouldCountUnknownRemovalsAndApplyTheRest() {
    index.apply(0, root(1, 2, 3));
    boolean ok = index.apply(0, removed(3, 77, 2));
    assertThat(ok).isFalse();
    assertThat(index.dropped(RadixIndex.Drop.UNKNOWN_BLOCK)).isEqualTo(1);
    assertThat(index.size(0)).isEqualTo(1);
    assertThat(index.nodes()).isEqualTo(1);
  }

  @Test
  void shouldPruneNodesNoTargetHolds() {
    index.apply(0, root(1, 2, 3));
    index.apply(1, root(1, 2, 4));
    index.apply(0, removed(3, 2, 1));
    assertThat(index.nodes()).isEqualTo(3);
    index.apply(1, removed(4, 2, 1));
    assertThat(index.nodes()).isZero();
    assertThat(index.entries()).isZero();
  }

  @Test
  void shouldKeepEvictedParentWhileAChildIsHeld() {
    index.apply(0, root(1, 2, 3));
    index.apply(0, removed(2));
    assertThat(index.nodes()).isEqualTo(3);
    match(1, 2, 3);
    assertThat(m.depth(0)).isEqualTo(1);
    index.apply(0, removed(3));
    assertThat(index.nodes()).isEqualTo(1);
  }

  @Test
  void shouldClearOnlyOneTarget() {
    index.apply(0, root(1, 2));
    index.apply(1, root(1, 2));
    index.apply(0, KvEvent.Cleared.INSTANCE);
    assertThat(index.size(0)).isZero();
    assertThat(index.size(1)).isEqualTo(2);
    match(1, 2);
    assertThat(m.depth(0)).isZero();
    assertThat(m.depth(1)).isEqualTo(2);
    index.removeTarget(1, RadixIndex.WriteGate.NONE);
    assertThat(index.nodes()).isZero();
    assertThat(index.entries()).isZero();
  }

  @Test
  void shouldStoreUnderKnownParentAndBranch() {
    index.apply(0, root(1, 2));
    index.apply(0, under(2, 3, 4));
    index.apply(1, root(1, 5));
    assertThat(index.apply(2, under(1, 10))).isFalse();
    assertThat(index.apply(2, root(1))).isTrue();
    for (int i = 10; i < 40; i++) {
      assertThat(index.apply(2, under(1, i))).isTrue();
    }
    match(1, 2, 3, 4);
    assertThat(m.depth(0)).isEqualTo(4);
    assertThat(m.depth(1)).isEqualTo(1);
    match(1, 25);
    assertThat(m.depth(2)).isEqualTo(2);
    assertThat(index.nodes()).isEqualTo(35);
    index.apply(2, KvEvent.Cleared.INSTANCE);
    assertThat(index.nodes()).isEqualTo(5);
  }

  @Test
  void shouldSupportMoreThan512Targets() {
    for (int t = 0; t < 600; t++) {
      index.apply(t, root(1, 2, 3).blockHashes().length == 3 && t % 3 == 0 ? root(1, 2, 3) : root(1, 2));
    }
    index.apply(599, under(2, 3, 4));
    match(1, 2, 3, 4);
    assertThat(m.count()).isEqualTo(600);
    assertThat(m.depth(0)).isEqualTo(3);
    assertThat(m.depth(1)).isEqualTo(2);
    assertThat(m.depth(599)).isEqualTo(4);
    assertThat(m.depth(598)).isEqualTo(2);
    index.match(new long[] {1, 2, 3, 4}, 4, true, m);
    assertThat(m.depth(599)).isEqualTo(4);
    for (int t = 0; t < 600; t++) {
      index.apply(t, KvEvent.Cleared.INSTANCE);
    }
    assertThat(index.nodes()).isZero();
  }

  @Test
  void shouldDumpChainsThatRebuildTheTree() {
    index.apply(0, root(1, 2, 3));
    index.apply(0, under(2, 7, 8));
    index.apply(1, root(1, 2));
    Map<Integer, List<KvEvent>> dump = index.dump(false);
    RadixIndex copy = new RadixIndex();
    dump.forEach((t, events) -> events.forEach(e -> assertThat(copy.apply(t, e)).isTrue()));
    assertThat(copy.canonical()).isEqualTo(index.canonical());
    assertThat(dump.get(1)).containsExactly(KvEvent.Stored.root(new long[] {1001, 1002}, new long[] {1, 2}));
  }

  @Test
  void shouldDumpEveryTargetWithItsOwnEngineHashes() {
    // Engines seeded per process (vLLM without PYTHONHASHSEED) hash the same blocks differently on every worker.
    index.apply(0, KvEvent.Stored.root(new long[] {101, 102}, new long[] {1, 2}));
    index.apply(1, KvEvent.Stored.root(new long[] {201, 202}, new long[] {1, 2}));
    index.apply(1, KvEvent.Stored.under(202, new long[] {203}, new long[] {3}));

    Map<Integer, List<KvEvent>> dump = index.dump(true);

    assertThat(dump.get(0)).containsExactly(KvEvent.Stored.root(new long[] {101, 102}, new long[] {1, 2}));
    assertThat(dump.get(1)).containsExactly(KvEvent.Stored.root(new long[] {201, 202, 203}, new long[] {1, 2, 3}));
    RadixIndex copy = new RadixIndex();
    dump.forEach((t, events) -> events.forEach(e -> assertThat(copy.apply(t, e)).isTrue()));
    assertThat(copy.canonical()).isEqualTo(index.canonical());
    assertThat(copy.apply(1, new KvEvent.Removed(new long[] {203, 202}))).isTrue();
    assertThat(copy.apply(0, new KvEvent.Removed(new long[] {102}))).isTrue();
    copy.match(new long[] {1, 2, 3}, 3, false, m);
    assertThat(m.depth(0)).isEqualTo(1);
    assertThat(m.depth(1)).isEqualTo(1);
  }

  @Test
  void shouldAccountMemory() {
    index.apply(0, root(1, 2, 3));
    assertThat(index.approxBytes()).isGreaterThan(3L * RadixNode.SHALLOW_BYTES);
  }
}
