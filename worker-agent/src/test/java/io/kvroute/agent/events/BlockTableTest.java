package io.kvroute.agent.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlockTableTest {

  @Test
  void shouldDumpParentsBeforeChildrenMergingChainsPerRank() {
    BlockTable t = new BlockTable();
    t.apply(new KvEventBatch(0, List.of(KvEvent.Stored.under(1, new long[] {3}, new long[] {33})), 0));
    t.apply(new KvEventBatch(0, List.of(KvEvent.Stored.root(new long[] {1}, new long[] {11}),
        KvEvent.Stored.under(1, new long[] {2}, new long[] {22})), 0));
    t.apply(new KvEventBatch(0, List.of(KvEvent.Stored.root(new long[] {7, 8}, new long[] {77, 88})), 1));
    t.apply(new KvEventBatch(0, List.of(new KvEvent.Removed(new long[] {8})), 1));

    List<KvEventBatch> dump = t.toStoredEvents();

    assertThat(dump).hasSize(2);
    assertThat(dump.get(0).events()).containsExactly(
        KvEvent.Stored.root(new long[] {1, 3}, new long[] {11, 33}),
        KvEvent.Stored.under(1, new long[] {2}, new long[] {22}));
    assertThat(dump.get(1).dpRank()).isEqualTo(1);
    assertThat(dump.get(1).events()).containsExactly(KvEvent.Stored.root(new long[] {7}, new long[] {77}));

    t.apply(new KvEventBatch(0, List.of(KvEvent.Cleared.INSTANCE), 0));
    assertThat(t.size()).isEqualTo(1);
  }

  /** A block as the table should hold it. */
  private record Held(boolean hasParent, long parent, long tokensHash) {
  }

  @Test
  void shouldHoldWhatRandomStoresRemovesAndClearsLeaveAndDumpItParentsFirst() {
    Random random = new Random(11);
    for (int round = 0; round < 200; round++) {
      BlockTable t = new BlockTable();
      Map<Integer, LinkedHashMap<Long, Held>> model = new HashMap<>();
      for (int op = 0; op < 60; op++) {
        int rank = random.nextInt(2);
        LinkedHashMap<Long, Held> m = model.computeIfAbsent(rank, r -> new LinkedHashMap<>());
        int kind = random.nextInt(20);
        if (kind == 0) {
          t.apply(new KvEventBatch(0, List.of(KvEvent.Cleared.INSTANCE), rank));
          model.remove(rank);
        } else if (kind < 6) {
          long[] gone = random.longs(1 + random.nextInt(3), 0, 24).toArray();
          t.apply(new KvEventBatch(0, List.of(new KvEvent.Removed(gone)), rank));
          for (long h : gone) {
            m.remove(h);
          }
        } else {
          // Small hash space: blocks are stored again (moving to the end), under other parents, or as roots.
          // Hashes grow along a chain (parent < first < second ...), as a hash chain never loops.
          boolean hasParent = random.nextBoolean();
          long parent = hasParent ? random.nextInt(20) : 0;
          long[] blocks = random.longs(1 + random.nextInt(4), parent + 1, 24).distinct().sorted().toArray();
          long[] tokens = random.longs(blocks.length).toArray();
          t.apply(new KvEventBatch(0, List.of(hasParent ? KvEvent.Stored.under(parent, blocks, tokens)
              : KvEvent.Stored.root(blocks, tokens)), rank));
          for (int i = 0; i < blocks.length; i++) {
            m.remove(blocks[i]);
            m.put(blocks[i], new Held(hasParent, parent, tokens[i]));
            hasParent = true;
            parent = blocks[i];
          }
        }
      }
      model.values().removeIf(Map::isEmpty);

      List<KvEventBatch> dump = t.toStoredEvents();
      assertThat(t.size()).isEqualTo(model.values().stream().mapToInt(Map::size).sum());
      Map<Integer, Map<Long, Held>> dumped = new HashMap<>();
      for (KvEventBatch b : dump) {
        Map<Long, Held> held = new LinkedHashMap<>();
        for (KvEvent e : b.events()) {
          KvEvent.Stored st = (KvEvent.Stored) e;
          boolean hasParent = st.hasParent();
          long parent = st.parentHash();
          for (int i = 0; i < st.blockHashes().length; i++) {
            long block = st.blockHashes()[i];
            assertThat(held).as("block %d dumped once", block).doesNotContainKey(block);
            if (hasParent && model.get(b.dpRank()).containsKey(parent)) {
              assertThat(held).as("parent %d of %d dumped before it", parent, block).containsKey(parent);
            }
            held.put(block, new Held(hasParent, parent, st.tokensHashes()[i]));
            hasParent = true;
            parent = block;
          }
        }
        dumped.put(b.dpRank(), held);
      }
      assertThat(dumped).isEqualTo(model);

      BlockTable again = new BlockTable();
      dump.forEach(again::apply);
      assertThat(again.toStoredEvents()).isEqualTo(dump);
    }
  }
}
