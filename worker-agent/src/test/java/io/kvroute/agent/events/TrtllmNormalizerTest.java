package io.kvroute.agent.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.agent.AgentMetrics;
import io.kvroute.common.codec.TrtllmEvent;
import io.kvroute.common.codec.TrtllmEvent.StoredBlock;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.common.hash.BlockHasher;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TrtllmNormalizerTest {

  private static final int B = 4;
  private final AgentMetrics metrics = new AgentMetrics("w", () -> true);
  private final TrtllmNormalizer normalizer = new TrtllmNormalizer(B, metrics);

  private static int[] tokens(int from, int n) {
    return IntStream.range(from, from + n).toArray();
  }

  private static TrtllmEvent created(long id, int window) {
    return new TrtllmEvent.Created(id, window, null, new long[] {100, 0});
  }

  @Test
  void shouldKeepFullBlocksWithTokensHashAndStopAtAPartialBlock() {
    List<KvEventBatch> out = normalizer.normalize(List.of(created(0, 4096),
        new TrtllmEvent.Stored(1, 4096, null, null, List.of(new StoredBlock(11, tokens(0, 4)),
            new StoredBlock(12, tokens(4, 4)), new StoredBlock(13, tokens(8, 2)), new StoredBlock(14, tokens(0, 4)))),
        new TrtllmEvent.Removed(2, 4096, null, new long[] {13}),
        new TrtllmEvent.Removed(3, 4096, null, new long[] {12, 11})), 1.0);

    assertThat(out).hasSize(1);
    List<KvEvent> events = out.get(0).events();
    assertThat(events).hasSize(2);
    long[] expected = BlockHasher.create(B).localHashes(tokens(0, 8));
    assertThat(events.get(0)).isEqualTo(KvEvent.Stored.root(new long[] {11, 12}, expected));
    assertThat(events.get(1)).isEqualTo(new KvEvent.Removed(new long[] {12, 11}));
  }

  @Test
  void shouldDropOtherWindowSizesOversizeBlocksAndUpdatedEvents() {
    List<KvEventBatch> out = normalizer.normalize(List.of(created(0, 1024), created(1, 4096),
        new TrtllmEvent.Stored(2, 1024, null, null, List.of(new StoredBlock(1, tokens(0, 4)))),
        new TrtllmEvent.Stored(3, 4096, null, 7L, List.of(new StoredBlock(2, tokens(0, 4)),
            new StoredBlock(3, tokens(0, 5)), new StoredBlock(4, tokens(0, 4)))),
        new TrtllmEvent.Updated(4, 4096, null, 2)), 1.0);

    assertThat(out).hasSize(1);
    assertThat(out.get(0).events()).containsExactly(
        KvEvent.Stored.under(7, new long[] {2}, BlockHasher.create(B).localHashes(tokens(0, 4))));
    assertThat(metrics.count("kvroute_agent_dropped_total", "reason", "window_size")).isEqualTo(1);
    assertThat(metrics.count("kvroute_agent_dropped_total", "reason", "oversize_block")).isEqualTo(1);
    assertThat(metrics.count("kvroute_agent_dropped_total", "reason", "updated_ignored")).isEqualTo(1);
  }

  @Test
  void shouldCountEventIdGapsAndSplitBatchesByDpRank() {
    List<KvEventBatch> out = normalizer.normalize(List.of(created(0, 64),
        new TrtllmEvent.Stored(1, 64, 1, null, List.of(new StoredBlock(1, tokens(0, 4)))),
        new TrtllmEvent.Stored(5, 64, 0, null, List.of(new StoredBlock(2, tokens(0, 4))))), 1.0);

    assertThat(out).extracting(KvEventBatch::dpRank).containsExactly(1, 0);
    assertThat(metrics.engineGapEvents()).isEqualTo(3);
  }

  @Test
  void shouldEmitClearedWhenTheEngineRestarts() {
    normalizer.normalize(List.of(created(0, 64),
        new TrtllmEvent.Stored(1, 64, null, null, List.of(new StoredBlock(1, tokens(0, 4), 0, 0, new long[0]))),
        new TrtllmEvent.Stored(2, 64, null, null, List.of(new StoredBlock(9, tokens(0, 3))))), 1.0);
    List<KvEventBatch> out = normalizer.normalize(List.of(created(0, 64),
        new TrtllmEvent.Removed(1, 64, null, new long[] {9})), 2.0);

    assertThat(out).hasSize(2);
    assertThat(out.get(0).events()).containsExactly(KvEvent.Cleared.INSTANCE);
    // the partial hash was forgotten with the restart: its removal now passes
    assertThat(out.get(1).events()).containsExactly(new KvEvent.Removed(new long[] {9}));
    assertThat(metrics.engineGapEvents()).isZero();
  }

  @Test
  void shouldTreatEventIdsGoingBackAsARestartEvenWithoutCreated() {
    normalizer.normalize(List.of(created(0, 64),
        new TrtllmEvent.Stored(1, 64, null, null, List.of(new StoredBlock(1, tokens(0, 4)))),
        new TrtllmEvent.Stored(2, 64, 1, null, List.of(new StoredBlock(2, tokens(0, 4))))), 1.0);
    // the new engine's `created` was drained by someone else: its first event we see has id 0 again
    List<KvEventBatch> out = normalizer.normalize(List.of(
        new TrtllmEvent.Stored(0, 64, null, null, List.of(new StoredBlock(3, tokens(8, 4))))), 2.0);

    assertThat(out).extracting(KvEventBatch::dpRank).containsExactly(0, 1, 0);
    assertThat(out.get(0).events()).containsExactly(KvEvent.Cleared.INSTANCE);
    assertThat(out.get(1).events()).containsExactly(KvEvent.Cleared.INSTANCE);
    assertThat(out.get(2).events()).containsExactly(
        KvEvent.Stored.root(new long[] {3}, BlockHasher.create(B).localHashes(tokens(8, 4))));
    assertThat(metrics.engineGapEvents()).isZero();
  }
}
