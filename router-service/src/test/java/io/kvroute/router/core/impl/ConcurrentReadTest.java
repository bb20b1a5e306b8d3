package io.kvroute.router.core.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.router.core.OverlapScores;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.core.RouterCoreConfig;
import io.kvroute.router.core.Target;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Readers query while the owner thread churns the very nodes they walk (children added and removed along the
 * query path force child-table growth, shrinking and backward shifts). A target whose chain never changes must
 * always be seen with its full depth: a torn read that slipped through validation would show up here.
 */
class ConcurrentReadTest {

  @Test
  void shouldNeverExposeTornStateToReaders() throws Exception {
    try (RouterCore core = RouterCore.create(RouterCoreConfig.defaults(16), Clock.systemUTC())) {
      int depth = 48;
      long[] path = new long[depth];
      for (int i = 0; i < depth; i++) {
        path[i] = 1000 + i;
      }
      core.submit("stable", new KvEventBatch(0, List.of(KvEvent.Stored.root(path.clone(), path)), 0));
      core.barrier().join();

      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<String> failure = new AtomicReference<>();
      AtomicLong reads = new AtomicLong();
      List<Thread> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        Thread t = new Thread(() -> {
          Target stable = new Target("stable", 0);
          while (!stop.get()) {
            OverlapScores s = core.findMatches(path);
            if (s.score(stable) != depth) {
              failure.compareAndSet(null, "stable depth " + s.score(stable));
            }
            for (int v : s.scores().values()) {
              if (v < 1 || v > depth) {
                failure.compareAndSet(null, "impossible depth " + v);
              }
            }
            reads.incrementAndGet();
          }
        });
        t.start();
        readers.add(t);
      }
      SplittableRandom rnd = new SplittableRandom(3);
      long next = 1L << 40;
      for (int round = 0; round < 400; round++) {
        List<KvEvent> events = new ArrayList<>();
        List<long[]> branches = new ArrayList<>();
        for (int b = 0; b < 40; b++) {
          int at = rnd.nextInt(depth - 1);
          long[] blocks = {next++, next++};
          long[] locals = {blocks[0], blocks[1]};
          // Branch off the stable path at depth `at` (same local hashes as the path up to there).
          long[] prefix = java.util.Arrays.copyOf(path, at + 1);
          events.add(KvEvent.Stored.root(prefixEngine(prefix, round, b), prefix));
          events.add(KvEvent.Stored.under(prefixEngine(prefix, round, b)[at], blocks, locals));
          branches.add(prefixEngine(prefix, round, b));
          branches.add(blocks);
        }
        core.submit("churn-" + (round % 3), new KvEventBatch(0, events, 0));
        List<KvEvent> removals = new ArrayList<>();
        for (long[] b : branches) {
          removals.add(new KvEvent.Removed(b));
        }
        core.submit("churn-" + (round % 3), new KvEventBatch(0, removals, 0));
      }
      core.barrier().join();
      stop.set(true);
      for (Thread t : readers) {
        t.join();
      }
      assertThat(failure.get()).isNull();
      assertThat(reads.get()).isPositive();
      assertThat(core.indexStats().nodes()).isEqualTo(depth);
    }
  }

  @Test
  void shouldAnswerReadsWhileALongWriteBacklogIsApplied() {
    try (RouterCore core = RouterCore.create(RouterCoreConfig.defaults(16), Clock.systemUTC())) {
      long[] path = {1, 2, 3};
      core.submit("w", new KvEventBatch(0, List.of(KvEvent.Stored.root(new long[] {11, 12, 13}, path)), 0));
      // 400k blocks of backlog in 100 batches.
      long next = 1L << 40;
      for (int b = 0; b < 100; b++) {
        List<KvEvent> events = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
          long[] blocks = new long[1000];
          for (int i = 0; i < blocks.length; i++) {
            blocks[i] = next++;
          }
          events.add(KvEvent.Stored.root(blocks, blocks));
        }
        core.submit("bulk-" + (b & 3), new KvEventBatch(0, events, 0));
      }
      java.util.concurrent.CompletableFuture<Void> done = core.barrier();
      long readsDuringBacklog = 0;
      while (!done.isDone()) {
        OverlapScores s = core.findMatches(path);
        if (!done.isDone()) {
          readsDuringBacklog++;
          // Before the owner reached the first event the target is unknown; afterwards it must be complete.
          assertThat(s.score(new Target("w", 0))).isIn(0, 3);
        }
      }
      assertThat(readsDuringBacklog).isPositive();
      assertThat(core.indexStats().entries()).isEqualTo(3 + 400_000);
    }
  }

  private static long[] prefixEngine(long[] prefix, int round, int b) {
    long[] e = new long[prefix.length];
    for (int i = 0; i < e.length; i++) {
      e[i] = ((long) round << 48) ^ ((long) b << 40) ^ (i + 7);
    }
    return e;
  }
}
