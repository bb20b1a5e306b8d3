package io.kvroute.router.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.core.RouterCoreConfig;
import io.kvroute.router.core.Target;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Seq tracking of one stream against the real core, with the agent's recovery answers scripted (the agent is an
 * external HTTP service here) and every callback run inline.
 */
class WorkerStreamTest {

  private final RouterCore core = RouterCore.create(RouterCoreConfig.defaults(32), Clock.systemUTC());
  private final Deque<Object> answers = new ArrayDeque<>();
  private final List<String> requests = new ArrayList<>();
  private final List<String> outcomes = new ArrayList<>();
  private long now = 1_000;

  private final RecoveryClient recovery = new RecoveryClient() {
    @Override
    public Future<Replay> eventsAfter(String agentUrl, long afterSeq) {
      requests.add("events after " + afterSeq);
      return next();
    }

    @Override
    public Future<Snapshot> snapshot(String agentUrl) {
      requests.add("snapshot");
      return next();
    }

    @SuppressWarnings("unchecked")
    private <T> Future<T> next() {
      Object a = answers.poll();
      return a instanceof Throwable t ? Future.failedFuture(t) : Future.succeededFuture((T) a);
    }
  };

  private final IngestListener listener = new IngestListener() {
    @Override
    public void batchApplied(String workerId, int events) {
    }

    @Override
    public void dropped(String workerId, String reason, int count) {
      outcomes.add("dropped " + reason);
    }

    @Override
    public void seqGap(String workerId, long missing) {
      outcomes.add("gap " + missing);
    }

    @Override
    public void snapshot(String workerId, String outcome) {
      outcomes.add("snapshot " + outcome);
    }

    @Override
    public void replay(String workerId, String outcome) {
      outcomes.add("replay " + outcome);
    }
  };

  private final List<String> liveOnlyChanges = new java.util.ArrayList<>();

  private final WorkerStream.BootstrapListener bootstrap = new WorkerStream.BootstrapListener() {
    @Override
    public void onBootstrapped(String workerId, boolean bootstrapped) {
    }

    @Override
    public void onLiveOnly(String workerId, boolean liveOnly) {
      liveOnlyChanges.add("live_only " + liveOnly);
    }

    @Override
    public void onBlockSizeMismatch(String workerId, String detail) {
      outcomes.add("misconfigured");
    }
  };

  @AfterEach
  void close() {
    core.close();
  }

  private WorkerStream stream(String agentUrl) {
    return new WorkerStream("w", agentUrl, core, recovery, listener, Runnable::run, () -> now, bootstrap, 32);
  }

  private static KvEventBatch root(long block) {
    return new KvEventBatch(0, List.of(KvEvent.Stored.root(new long[] {block}, new long[] {block + 1_000})), 0);
  }

  private Set<Long> blocks() throws Exception {
    core.barrier().get();
    Set<Long> out = new HashSet<>();
    for (Map.Entry<Target, List<KvEvent.Stored>> e : core.dump().get().entrySet()) {
      for (KvEvent.Stored s : e.getValue()) {
        for (long h : s.blockHashes()) {
          out.add(h);
        }
      }
    }
    return out;
  }

  @Test
  void shouldCountGapsAndResetOnRestartWithoutAnAgent() throws Exception {
    WorkerStream s = stream(null);
    s.start();
    s.onLive(0, root(10));
    s.onLive(1, root(11));
    s.onLive(5, root(15));
    assertThat(blocks()).containsExactlyInAnyOrder(10L, 11L, 15L);
    assertThat(outcomes).containsExactly("gap 3");
    s.onLive(0, root(20));
    assertThat(blocks()).containsExactly(20L);
    assertThat(requests).isEmpty();
  }

  @Test
  void shouldApplyBufferedBatchesNewerThanTheSnapshot() throws Exception {
    io.vertx.core.Promise<RecoveryClient.Snapshot> held = io.vertx.core.Promise.promise();
    WorkerStream s = new WorkerStream("w", "http://agent", core, new RecoveryClient() {
      @Override
      public Future<Replay> eventsAfter(String agentUrl, long afterSeq) {
        return recovery.eventsAfter(agentUrl, afterSeq);
      }

      @Override
      public Future<Snapshot> snapshot(String agentUrl) {
        return held.future();
      }
    }, listener, Runnable::run, () -> now, bootstrap, 32);
    s.start();
    s.onLive(3, root(3));
    s.onLive(4, root(4));
    assertThat(blocks()).isEmpty();
    assertThat(s.bootstrapped()).isFalse();
    held.complete(new RecoveryClient.Snapshot(3, 32, List.of(root(1), root(2))));
    assertThat(s.bootstrapped()).isTrue();
    assertThat(blocks()).containsExactlyInAnyOrder(1L, 2L, 4L);
    assertThat(s.applied()).isEqualTo(4);
    assertThat(outcomes).containsExactly("snapshot ok");
  }

  @Test
  void shouldReplayAGapAndFallBackToTheSnapshotWhenTheRingIsGone() throws Exception {
    WorkerStream s = stream("http://agent");
    answers.add(new RecoveryClient.Snapshot(-1, 32, List.of()));
    s.start();
    s.onLive(0, root(100));
    answers.add(new RecoveryClient.Replay(false, 3, List.of(new RecoveryClient.SeqBatch(1, root(101)),
        new RecoveryClient.SeqBatch(2, root(102)), new RecoveryClient.SeqBatch(3, root(103)))));
    s.onLive(3, root(103));
    assertThat(blocks()).containsExactlyInAnyOrder(100L, 101L, 102L, 103L);
    assertThat(requests).containsExactly("snapshot", "events after 0");
    answers.add(RecoveryClient.Replay.ofGone());
    answers.add(new RecoveryClient.Snapshot(9, 32, List.of(root(109))));
    s.onLive(8, root(108));
    assertThat(blocks()).containsExactly(109L);
    assertThat(s.applied()).isEqualTo(9);
    assertThat(requests).containsExactly("snapshot", "events after 0", "events after 3", "snapshot");
  }

  @Test
  void shouldTellADuplicateFromAnAgentRestartByTheAgentsHead() throws Exception {
    WorkerStream s = stream("http://agent");
    answers.add(new RecoveryClient.Snapshot(5, 32, List.of(root(1))));
    s.start();
    // A live batch at or below the watermark with no live history: the agent's head decides.
    answers.add(new RecoveryClient.Replay(false, 7, List.of(new RecoveryClient.SeqBatch(6, root(6)),
        new RecoveryClient.SeqBatch(7, root(7)))));
    s.onLive(4, root(4));
    assertThat(blocks()).containsExactlyInAnyOrder(1L, 6L, 7L);
    assertThat(s.applied()).isEqualTo(7);
  }

  @Test
  void shouldAskAgainWhenAHeadCheckFoundTheAgentUpToDateAndAHoleAppearedMeanwhile() throws Exception {
    io.vertx.core.Promise<RecoveryClient.Replay> headCheck = io.vertx.core.Promise.promise();
    WorkerStream s = new WorkerStream("w", "http://agent", core, new RecoveryClient() {
      @Override
      public Future<Replay> eventsAfter(String agentUrl, long afterSeq) {
        Future<Replay> scripted = recovery.eventsAfter(agentUrl, afterSeq);
        return requests.size() == 3 ? headCheck.future() : scripted;
      }

      @Override
      public Future<Snapshot> snapshot(String agentUrl) {
        return recovery.snapshot(agentUrl);
      }
    }, listener, Runnable::run, () -> now, bootstrap, 32);
    answers.add(new RecoveryClient.Snapshot(-1, 32, List.of()));
    s.start();
    // The SUB had not joined when seq 0 went out: the quiet stream's tail probe fetches it from the ring.
    answers.add(new RecoveryClient.Replay(false, 0, List.of(new RecoveryClient.SeqBatch(0, root(100)))));
    now += WorkerStream.TAIL_PROBE_MS + 1;
    s.onTick();
    assertThat(s.applied()).isZero();
    // Seq 0 then arrives live, late: a duplicate, so the agent's head is checked (answer held back) ...
    answers.add("placeholder for the held head check");
    s.onLive(0, root(100));
    // ... while 1-3 are lost on the wire and 4 arrives.
    s.onLive(4, root(104));
    // The head check answers "nothing after 0" (it was served before 1-4): a complete answer, so the hole is
    // replayed rather than given up on with a snapshot.
    answers.add(new RecoveryClient.Replay(false, 4, List.of(new RecoveryClient.SeqBatch(1, root(101)),
        new RecoveryClient.SeqBatch(2, root(102)), new RecoveryClient.SeqBatch(3, root(103)),
        new RecoveryClient.SeqBatch(4, root(104)))));
    headCheck.complete(new RecoveryClient.Replay(false, 0, List.of()));
    assertThat(blocks()).containsExactlyInAnyOrder(100L, 101L, 102L, 103L, 104L);
    assertThat(s.applied()).isEqualTo(4);
    assertThat(requests).containsExactly("snapshot", "events after -1", "events after 0", "events after 0");
    assertThat(outcomes).containsExactly("snapshot ok", "gap 1", "replay tail_recovered", "replay ok", "gap 3",
        "replay ok");
  }

  @Test
  void shouldDetectAnAgentRestartFromAHeadBelowTheWatermark() throws Exception {
    WorkerStream s = stream("http://agent");
    answers.add(new RecoveryClient.Snapshot(5, 32, List.of(root(1))));
    s.start();
    answers.add(new RecoveryClient.Replay(false, 0, List.of()));
    answers.add(new RecoveryClient.Snapshot(0, 32, List.of(root(50))));
    s.onLive(0, root(50));
    assertThat(blocks()).containsExactly(50L);
    assertThat(outcomes).contains("replay agent_restarted");
    assertThat(requests).containsExactly("snapshot", "events after 5", "snapshot");
  }

  @Test
  void shouldStartFromLiveEventsWhileTheSnapshotIsRetriedWithBackoff() throws Exception {
    WorkerStream s = stream("http://agent");
    answers.add(new IllegalStateException("connection refused"));
    s.start();
    assertThat(s.bootstrapped()).isFalse();
    s.onLive(7, root(7));
    s.onLive(8, root(8));
    assertThat(blocks()).containsExactlyInAnyOrder(7L, 8L);
    now += WorkerStream.MIN_BACKOFF_MS - 1;
    s.onTick();
    assertThat(requests).containsExactly("snapshot");
    now += 1;
    answers.add(new RecoveryClient.Snapshot(8, 32, List.of(root(7), root(8), root(1))));
    s.onTick();
    assertThat(s.bootstrapped()).isTrue();
    assertThat(blocks()).containsExactlyInAnyOrder(1L, 7L, 8L);
  }

  @Test
  void shouldServeLiveOnlyAfterFailedSnapshotsAndBootstrapWhenOneFinallySucceeds() throws Exception {
    WorkerStream s = stream("http://agent");
    for (int i = 0; i < WorkerStream.LIVE_ONLY_AFTER_FAILURES; i++) {
      answers.add(new IllegalStateException("connection refused"));
    }
    s.start();
    s.onLive(0, root(1));
    for (int i = 1; i < WorkerStream.LIVE_ONLY_AFTER_FAILURES; i++) {
      assertThat(s.liveOnly()).isFalse();
      now += WorkerStream.MAX_BACKOFF_MS;
      s.onTick();
    }
    assertThat(s.liveOnly()).isTrue();
    assertThat(s.bootstrapped()).isFalse();
    assertThat(liveOnlyChanges).containsExactly("live_only true");
    assertThat(requests).hasSize(WorkerStream.LIVE_ONLY_AFTER_FAILURES);
    s.onLive(1, root(2));
    assertThat(blocks()).containsExactlyInAnyOrder(1L, 2L);
    // Low-rate retries from now on: nothing before LIVE_ONLY_RETRY_MS.
    now += WorkerStream.LIVE_ONLY_RETRY_MS - 1;
    s.onTick();
    assertThat(requests).hasSize(WorkerStream.LIVE_ONLY_AFTER_FAILURES);
    now += 1;
    answers.add(new RecoveryClient.Snapshot(1, 32, List.of(root(1), root(2), root(3))));
    s.onTick();
    assertThat(requests).hasSize(WorkerStream.LIVE_ONLY_AFTER_FAILURES + 1);
    assertThat(s.bootstrapped()).isTrue();
    assertThat(s.liveOnly()).isFalse();
    assertThat(liveOnlyChanges).containsExactly("live_only true", "live_only false");
    assertThat(blocks()).containsExactlyInAnyOrder(1L, 2L, 3L);
  }

  @Test
  void shouldBeLiveOnlyFromTheStartWithoutAnAgent() {
    WorkerStream s = stream(null);
    s.start();
    assertThat(s.liveOnly()).isTrue();
    assertThat(s.bootstrapped()).isTrue();
    assertThat(requests).isEmpty();
  }

  @Test
  void shouldRefuseASnapshotWithAnotherBlockSize() throws Exception {
    WorkerStream s = stream("http://agent");
    answers.add(new RecoveryClient.Snapshot(2, 16, List.of(root(1))));
    s.start();
    assertThat(outcomes).containsExactly("snapshot block_size_mismatch", "misconfigured");
    assertThat(blocks()).isEmpty();
  }
}
