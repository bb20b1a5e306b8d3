package io.kvroute.router.core.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.common.hash.BlockHasher;
import io.kvroute.router.core.Candidate;
import io.kvroute.router.core.CandidateScore;
import io.kvroute.router.core.LoadView;
import io.kvroute.router.core.OverlapScores;
import io.kvroute.router.core.RouteDecision;
import io.kvroute.router.core.RouteQuery;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.core.RouterCoreConfig;
import io.kvroute.router.core.Target;
import io.kvroute.router.core.WorkerMetrics;
import io.kvroute.router.testing.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DefaultRouterCoreTest {

  private static final int BS = 16;
  private final MutableClock clock = new MutableClock();
  private final RouterCore core = RouterCore.create(
      new RouterCoreConfig(BS, "kv", 1.0, 1.0, 0.0, 0.0, Duration.ofSeconds(300), 42), clock);
  private final Target w0 = new Target("w0", 0);
  private final Target w1 = new Target("w1", 0);
  private final List<Candidate> both = List.of(new Candidate(w0), new Candidate(w1));

  @AfterEach
  void close() {
    core.close();
  }

  private static long[] hashes(long from, int n) {
    long[] h = new long[n];
    for (int i = 0; i < n; i++) {
      h[i] = from + i;
    }
    return h;
  }

  private void store(String worker, long[] locals) {
    store(worker, locals, core);
  }

  private static void store(String worker, long[] locals, RouterCore target) {
    long[] engine = BlockHasher.sequenceHashes(locals);
    target.submit(worker, new KvEventBatch(0, List.of(KvEvent.Stored.root(engine, locals)), 0));
  }

  @Test
  void shouldMatchSubmittedEventsAfterABarrier() {
    store("w0", hashes(1, 8));
    store("w1", hashes(1, 3));
    core.barrier().join();
    assertThat(core.pendingWrites()).isZero();
    OverlapScores s = core.findMatches(hashes(1, 10));
    assertThat(s.score(w0)).isEqualTo(8);
    assertThat(s.score(w1)).isEqualTo(3);
    assertThat(s.treeSizes()).containsEntry(w0, 8L).containsEntry(w1, 3L);
    assertThat(core.findMatches(hashes(1, 10), true).score(w0)).isGreaterThanOrEqualTo(4);
    assertThat(core.indexStats().nodes()).isEqualTo(8);
    assertThat(core.indexStats().entries()).isEqualTo(11);
  }

  @Test
  void shouldRouteToTheCachedWorkerAndBookItsLoad() {
    store("w0", hashes(1, 8));
    core.barrier().join();
    RouteDecision d = core.route(new RouteQuery("r1", hashes(1, 10), 10 * BS, 0, null), both);
    assertThat(d.target()).isEqualTo(w0);
    assertThat(d.overlapBlocks()).isEqualTo(8);
    assertThat(d.cachedTokens()).isEqualTo(8 * BS);
    assertThat(d.policy()).isEqualTo("kv");
    assertThat(core.loads()).containsEntry(w0, new LoadView(2 * BS, 10, 1));
    assertThat(core.prefillDone("r1")).isTrue();
    assertThat(core.loads().get(w0).prefillTokens()).isZero();
    assertThat(core.release("r1")).isTrue();
    assertThat(core.release("r1")).isFalse();
    assertThat(core.loads()).isEmpty();
  }

  @Test
  void shouldScoreWithoutBooking() {
    store("w0", hashes(1, 4));
    core.barrier().join();
    List<CandidateScore> scores = core.score(new RouteQuery("x", hashes(1, 6), 6 * BS, 0, null), both);
    assertThat(scores).hasSize(2);
    assertThat(scores.get(0).overlapBlocks()).isEqualTo(4);
    assertThat(scores.get(0).cost()).isEqualTo(2.0 + 6.0);
    assertThat(scores.get(1).cost()).isEqualTo(6.0 + 6.0);
    assertThat(core.loads()).isEmpty();
  }

  @Test
  void shouldRejectUnknownPolicyPerRequest() {
    assertThatThrownBy(() -> core.route(new RouteQuery("r", hashes(1, 2), 32, 0, "nope"), both))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown policy 'nope'");
    RouteDecision d = core.route(new RouteQuery("r", hashes(1, 2), 32, 0, "round_robin"), both);
    assertThat(d.policy()).isEqualTo("round_robin");
  }

  @Test
  void shouldReturnNoTargetWithoutCandidates() {
    assertThat(core.route(new RouteQuery("r", hashes(1, 2), 32, 0, null), List.of()).target()).isNull();
  }

  @Test
  void shouldExpireRequestsThatWereNeverFreed() {
    core.route(new RouteQuery("r1", hashes(1, 2), 32, 0, null), both);
    clock.advance(Duration.ofSeconds(200));
    core.route(new RouteQuery("r2", hashes(9, 2), 32, 0, null), both);
    clock.advance(Duration.ofSeconds(101));
    assertThat(core.expireStale()).isEqualTo(1);
    assertThat(core.release("r1")).isFalse();
    assertThat(core.release("r2")).isTrue();
  }

  @Test
  void shouldBumpSeedWaitingUntilTheNextMetrics() {
    core.onMetrics("w0", new WorkerMetrics(0, 0.0, 0, 0, 0));
    core.onMetrics("w1", new WorkerMetrics(0, 0.0, 0, 0, 0));
    RouteQuery q = new RouteQuery(null, hashes(1, 2), 32, 0, "seed");
    Target first = core.route(q, both).target();
    // The winner now has waiting 1 = max → logit −1, so the other one wins next, then both are at 1 (tie).
    Target second = core.route(q, both).target();
    assertThat(second).isNotEqualTo(first);
    core.onMetrics(first.workerId(), new WorkerMetrics(0, 0.0, 0, 0, 0));
    assertThat(core.route(q, both).target()).isEqualTo(first);
  }

  @Test
  void shouldResetAndRemoveWorkers() {
    store("w0", hashes(1, 4));
    store("w1", hashes(1, 4));
    core.book("b1", w1, BlockHasher.sequenceHashes(hashes(1, 4)), 64, 0);
    core.submitReset("w0", 0);
    core.barrier().join();
    assertThat(core.findMatches(hashes(1, 4)).scores()).containsOnlyKeys(w1);
    core.submitRemoveWorker("w1");
    core.barrier().join();
    assertThat(core.findMatches(hashes(1, 4)).scores()).isEmpty();
    assertThat(core.indexStats().nodes()).isZero();
    assertThat(core.loads()).isEmpty();
  }

  @Test
  void shouldPresizeAWorkersTablesFromItsReportedCacheSize() {
    RouterCore plain = RouterCore.create(RouterCoreConfig.defaults(BS), clock);
    try {
      for (RouterCore c : List.of(core, plain)) {
        store("w0", hashes(1, 4), c);
        store("w1", hashes(1, 4), c);
      }
      core.onMetrics("w1", new WorkerMetrics(0, 0.0, 0, 0, 8192));
      core.onMetrics("w2", new WorkerMetrics(0, 0.0, 0, 0, 8192));
      store("w2", hashes(1, 2), core); // a worker first seen after its report gets the hint too
      store("w2", hashes(1, 2), plain);
      core.barrier().join();
      plain.barrier().join();
      // Same tree, but two tables sized for 8,192 blocks (16,384 slots of 4 bytes) instead of a few slots.
      assertThat(core.findMatches(hashes(1, 4)).scores()).isEqualTo(plain.findMatches(hashes(1, 4)).scores());
      assertThat(core.indexStats().entries()).isEqualTo(plain.indexStats().entries());
      assertThat(core.indexStats().approxBytes() - plain.indexStats().approxBytes())
          .isGreaterThanOrEqualTo(2 * (16_384L - 16) * 4);
    } finally {
      plain.close();
    }
  }

  @Test
  void shouldDumpStoredChainsPerTarget() {
    store("w0", hashes(1, 3));
    core.submit("w0", new KvEventBatch(0, List.of(KvEvent.Stored.root(new long[] {77}, new long[] {7})), 2));
    Map<Target, List<KvEvent.Stored>> dump = core.dump().join();
    assertThat(dump).containsOnlyKeys(w0, new Target("w0", 2));
    assertThat(dump.get(w0)).hasSize(1);
    assertThat(dump.get(w0).get(0).blockHashes()).containsExactly(BlockHasher.sequenceHashes(hashes(1, 3)));
  }

  @Test
  void shouldRebuildAnIdenticalCoreFromItsExactDump() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
    for (int i = 0; i < 200; i++) {
      int len = 1 + rnd.nextInt(6);
      long[] locals = new long[len];
      for (int k = 0; k < len; k++) {
        locals[k] = 1 + rnd.nextInt(4);
      }
      String worker = "w" + rnd.nextInt(3);
      int rank = rnd.nextInt(2);
      long[] engine = BlockHasher.sequenceHashes(locals);
      KvEvent e = rnd.nextInt(4) == 0 ? new KvEvent.Removed(new long[] {engine[rnd.nextInt(len)]})
          : KvEvent.Stored.root(engine, locals);
      core.submit(worker, new KvEventBatch(0, List.of(e), rank));
    }
    Map<Target, List<KvEvent>> dump = core.dumpEvents().join();
    try (RouterCore copy = RouterCore.create(RouterCoreConfig.defaults(BS), clock)) {
      dump.forEach((t, events) -> copy.submit(t.workerId(), new KvEventBatch(0, events, t.dpRank())));
      copy.barrier().join();
      assertThat(copy.indexStats().nodes()).isEqualTo(core.indexStats().nodes());
      assertThat(copy.indexStats().blocksPerTarget()).isEqualTo(core.indexStats().blocksPerTarget());
      for (int q = 0; q < 200; q++) {
        long[] query = new long[1 + rnd.nextInt(7)];
        for (int k = 0; k < query.length; k++) {
          query[k] = 1 + rnd.nextInt(4);
        }
        assertThat(copy.findMatches(query).scores()).isEqualTo(core.findMatches(query).scores());
      }
    }
    assertThat(core.indexStats().bytesPerEntry()).isPositive();
  }

  @Test
  void shouldRefuseWritesAfterClose() {
    core.close();
    assertThatThrownBy(() -> core.submitReset("w0", 0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shouldCountDroppedEvents() {
    core.submit("w0", new KvEventBatch(0, List.of(KvEvent.Stored.under(5, new long[] {6}, new long[] {6}),
        new KvEvent.Removed(new long[] {9})), 0));
    core.barrier().join();
    assertThat(core.indexStats().dropped()).containsEntry("unknown_parent", 1L).containsEntry("unknown_block", 1L);
    assertThat(core.indexStats().eventsApplied()).isEqualTo(2);
  }
}
