package io.kvroute.agent.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import java.util.List;
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
}
