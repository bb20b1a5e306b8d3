package io.kvroute.router.core.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.event.KvEvent;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayDeque;
import org.junit.jupiter.api.Test;

/**
 * Unique-heavy traffic (every prompt new, as in issue #11678 of the reference): millions of unique blocks stored
 * and evicted must leave neither nodes nor retained heap behind.
 */
class MemoryLeakTest {

  private static final int CHAIN = 32;
  private static final int CHAINS = 80_000; // 2.56M unique blocks
  private static final int LIVE = 2_000; // chains cached at once per target (64k blocks)

  @Test
  void shouldReturnToBaselineAfterMillionsOfUniqueBlocks() {
    RadixIndex index = new RadixIndex();
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    // Warm up so that class loading and JIT data are part of the baseline.
    churn(index, 2_000, 1);
    long baseline = usedAfterGc(mem);

    long peakNodes = churn(index, CHAINS, 1_000_000);

    assertThat(peakNodes).isGreaterThanOrEqualTo(LIVE * (long) CHAIN);
    assertThat(index.nodes()).isZero();
    assertThat(index.entries()).isZero();
    assertThat(index.size(0)).isZero();
    long after = usedAfterGc(mem);
    assertThat(after - baseline).as("retained bytes (baseline %d)", baseline).isLessThan(8L << 20);
    assertThat(index.approxBytes()).isLessThan(4096);
  }

  /** Stores chains for two targets (sharing every other chain), evicting the oldest once LIVE are cached. */
  private static long churn(RadixIndex index, int chains, long seed) {
    ArrayDeque<long[]> live = new ArrayDeque<>();
    long peak = 0;
    long next = seed << 32;
    for (int c = 0; c < chains; c++) {
      long[] blocks = new long[CHAIN];
      for (int i = 0; i < CHAIN; i++) {
        blocks[i] = next++;
      }
      index.apply(0, KvEvent.Stored.root(blocks, blocks));
      if ((c & 1) == 0) {
        index.apply(1, KvEvent.Stored.root(blocks, blocks));
      }
      live.add(blocks);
      if (live.size() > LIVE) {
        evict(index, live.poll());
      }
      peak = Math.max(peak, index.nodes());
    }
    while (!live.isEmpty()) {
      evict(index, live.poll());
    }
    return peak;
  }

  private static void evict(RadixIndex index, long[] blocks) {
    long[] reversed = new long[blocks.length];
    for (int i = 0; i < blocks.length; i++) {
      reversed[i] = blocks[blocks.length - 1 - i];
    }
    index.apply(0, new KvEvent.Removed(reversed));
    // Target 1 evicts root-first half of the time: parents go before children, which must not leak either.
    index.apply(1, new KvEvent.Removed((blocks[0] & 2) == 0 ? blocks : reversed));
  }

  private static long usedAfterGc(MemoryMXBean mem) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return mem.getHeapMemoryUsage().getUsed();
  }
}
