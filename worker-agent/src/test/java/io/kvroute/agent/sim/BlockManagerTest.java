package io.kvroute.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BlockManagerTest {

  private record Stored(Long parent, long[] hashes, int[][] tokens) {
  }

  private final List<Stored> stored = new ArrayList<>();
  private final List<long[]> removed = new ArrayList<>();
  private final BlockManager.Sink sink = new BlockManager.Sink() {
    @Override
    public void stored(Long parentHash, long[] blockHashes, int[][] tokens) {
      stored.add(new Stored(parentHash, blockHashes, tokens));
    }

    @Override
    public void removed(long[] blockHashes) {
      removed.add(blockHashes);
    }
  };

  private static int[] tokens(int from, int n) {
    return IntStream.range(from, from + n).toArray();
  }

  @Test
  void shouldStoreFullBlocksOnceAndReuseThemForTheSamePrefix() {
    BlockManager bm = new BlockManager(16, 4, sink);
    int[] prompt = tokens(100, 10); // 2 full blocks + 2 tokens
    BlockManager.Holding a = bm.admit(prompt, 10, 12);
    assertThat(a.matchedTokens).isZero();
    bm.ensureCapacity(a, 10);
    bm.store(a, prompt, 10, false);

    assertThat(stored).hasSize(1);
    assertThat(stored.get(0).parent()).isNull();
    assertThat(stored.get(0).hashes()).hasSize(2);
    long h0 = bm.engineHash(0, prompt, 0, 4);
    assertThat(stored.get(0).hashes()).containsExactly(h0, bm.engineHash(h0, prompt, 4, 4));

    BlockManager.Holding b = bm.admit(prompt, 10, 12);
    assertThat(b.matchedTokens).isEqualTo(8);
    assertThat(bm.usedBlocks()).isEqualTo(3);
  }

  @Test
  void shouldStoreTheTrailingPartialBlockOnRelease() {
    BlockManager bm = new BlockManager(16, 4, sink);
    int[] seq = tokens(0, 6);
    BlockManager.Holding a = bm.admit(seq, 6, 6);
    bm.ensureCapacity(a, 6);
    bm.store(a, seq, 4, false);
    bm.store(a, seq, 6, true);
    bm.release(a);

    assertThat(stored).hasSize(2);
    assertThat(stored.get(1).parent()).isEqualTo(stored.get(0).hashes()[0]);
    assertThat(stored.get(1).tokens()[0]).containsExactly(4, 5);
    assertThat(bm.usedBlocks()).isZero();
    assertThat(bm.cachedBlockCount()).isEqualTo(2);
  }

  @Test
  void shouldEvictLeastRecentlyUsedLeafFirstWhenThePoolIsFull() {
    BlockManager bm = new BlockManager(4, 4, sink);
    int[] first = tokens(0, 8);
    BlockManager.Holding a = bm.admit(first, 8, 8);
    bm.ensureCapacity(a, 8);
    bm.store(a, first, 8, true);
    bm.release(a);
    int[] second = tokens(1000, 16);

    BlockManager.Holding b = bm.admit(second, 16, 16);
    bm.ensureCapacity(b, 16);
    bm.flushRemoved();

    assertThat(removed).hasSize(1);
    long leaf = stored.get(0).hashes()[1];
    long root = stored.get(0).hashes()[0];
    assertThat(removed.get(0)).containsExactly(leaf, root);
    assertThat(bm.matchBlocks(first, 8)).isZero();
  }

  @Test
  void shouldRefuseAdmissionBeyondTheReservableBlocks() {
    BlockManager bm = new BlockManager(4, 4, sink);
    BlockManager.Holding a = bm.admit(tokens(0, 8), 8, 12);
    assertThat(a).isNotNull();
    assertThat(bm.admit(tokens(50, 4), 4, 8)).isNull();
    assertThat(bm.admit(tokens(50, 4), 4, 4)).isNotNull();
    bm.release(a);
    assertThat(bm.available()).isEqualTo(3);
  }

  @Test
  void shouldNotEvictBlocksHeldBySequences() {
    BlockManager bm = new BlockManager(4, 4, sink);
    int[] p = tokens(0, 8);
    BlockManager.Holding a = bm.admit(p, 8, 8);
    bm.ensureCapacity(a, 8);
    bm.store(a, p, 8, false);
    BlockManager.Holding b = bm.admit(p, 8, 8);
    assertThat(b.matchedTokens).isEqualTo(8);
    BlockManager.Holding c = bm.admit(tokens(500, 8), 8, 8);
    bm.ensureCapacity(c, 8);
    bm.flushRemoved();
    assertThat(removed).isEmpty();
    assertThat(bm.usedBlocks()).isEqualTo(4);
  }
}
