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

  @Test
  void shouldEvictTheLeastRecentlyReleasedBlocksFirstAndRefreshBlocksThatAreReused() {
    BlockManager bm = new BlockManager(4, 4, sink);
    int[] a = tokens(0, 4);
    int[] b = tokens(100, 4);
    int[] c = tokens(200, 4);
    cache(bm, a);
    cache(bm, b);
    cache(bm, c);
    // a is the oldest free block, but a reuse refreshes it: b is now the least recently used
    BlockManager.Holding reuse = bm.admit(a, 4, 4);
    assertThat(reuse.matchedTokens).isEqualTo(4);
    bm.release(reuse);

    cache(bm, tokens(300, 4)); // takes the one clean block: nothing evicted yet
    assertThat(removed).isEmpty();
    cache(bm, tokens(400, 4)); // the pool is full: one eviction
    bm.flushRemoved();
    assertThat(removed).hasSize(1);
    assertThat(removed.get(0)).containsExactly(bm.engineHash(0, b, 0, 4));
    assertThat(bm.matchBlocks(a, 4)).isEqualTo(1);
    assertThat(bm.matchBlocks(b, 4)).isZero();
    assertThat(bm.matchBlocks(c, 4)).isEqualTo(1);
  }

  /** Admits, fills, stores and releases one sequence. */
  private static void cache(BlockManager bm, int[] seq) {
    BlockManager.Holding h = bm.admit(seq, seq.length, seq.length);
    bm.ensureCapacity(h, seq.length);
    bm.store(h, seq, seq.length, true);
    bm.release(h);
  }

  @Test
  void shouldChainTheLaterBlocksOfASequenceWhosePromptAnotherSequenceStoredFirst() {
    BlockManager bm = new BlockManager(16, 4, sink);
    int[] prompt = tokens(0, 8);
    // two identical prompts admitted before either is stored: both miss and fill their own blocks
    BlockManager.Holding a = bm.admit(prompt, 8, 12);
    BlockManager.Holding b = bm.admit(prompt, 8, 12);
    bm.ensureCapacity(a, 8);
    bm.ensureCapacity(b, 8);
    bm.store(a, prompt, 8, false);
    bm.store(b, prompt, 8, false);
    assertThat(stored).hasSize(1);

    // b generates 4 tokens: its third block is new and chained under the prompt's second block
    int[] bSeq = java.util.Arrays.copyOf(prompt, 12);
    bSeq[8] = 900;
    bSeq[9] = 901;
    bSeq[10] = 902;
    bSeq[11] = 903;
    bm.ensureCapacity(b, 12);
    bm.store(b, bSeq, 12, true);
    assertThat(stored).hasSize(2);
    long second = stored.get(0).hashes()[1];
    assertThat(stored.get(1).parent()).isEqualTo(second);
    assertThat(stored.get(1).hashes()).containsExactly(bm.engineHash(second, bSeq, 8, 4));
    bm.release(a);
    bm.release(b);
    assertThat(bm.matchBlocks(bSeq, 12)).isEqualTo(3);
    assertThat(bm.usedBlocks()).isZero();
  }
}
