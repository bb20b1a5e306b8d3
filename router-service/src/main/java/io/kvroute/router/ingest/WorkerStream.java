package io.kvroute.router.ingest;

import io.kvroute.common.event.KvEventBatch;
import io.kvroute.router.core.RouterCore;
import io.vertx.core.Future;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seq tracking and recovery for one worker's KV-event stream (DESIGN §4). Lives on the ingest thread: every method
 * runs there, and recovery results come back through {@code loop}.
 *
 * <ul>
 *   <li>New worker with an agent: buffer live batches, load the snapshot (reset + stored events), then apply the
 *       buffered batches newer than the snapshot seq. Agent unreachable: apply live batches as they come and retry
 *       the snapshot with backoff; after {@link #LIVE_ONLY_AFTER_FAILURES} failed attempts the worker is
 *       {@code live_only} (counts as ready, served from live events) and the snapshot is retried at a low rate
 *       (every {@link #LIVE_ONLY_RETRY_MS} ms or more) until one succeeds. A worker with no agent URL is live-only
 *       from the start.</li>
 *   <li>Gap ({@code seq > applied + 1}): buffer, fetch the missing batches from the agent's replay ring; 410 or an
 *       incomplete replay: reset and snapshot. Without an agent the gap is counted and the stream goes on.</li>
 *   <li>Raw engine with a replay endpoint and no agent ({@link EngineReplay}, reference notes §2.6): a gap, or a
 *       first live seq above 0, is recovered from the engine's replay socket: the replayed batches are applied, the
 *       watermark advances and buffered live batches at or below it are skipped. An incomplete replay is flagged
 *       ({@code empty}, {@code started_after_requested}, {@code non_contiguous}, {@code ended_before_target}),
 *       counted, and the stream goes on from what it has.</li>
 *   <li>Seq going backwards on the live socket (agent or engine restart): reset and snapshot (without an agent:
 *       reset and go on from the live stream, since a restarted engine starts empty).</li>
 * </ul>
 */
final class WorkerStream {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerStream.class);
  static final int MAX_BUFFERED = 16_384;
  static final long MIN_BACKOFF_MS = 250;
  static final long MAX_BACKOFF_MS = 30_000;
  /**
   * A PUB/SUB stream cannot reveal a lost last message until the next one arrives; when the stream has been quiet
   * this long, the agent's ring is asked for anything after the watermark (a cheap, usually empty answer).
   */
  static final long TAIL_PROBE_MS = 2_000;
  /** Failed bootstrap snapshots after which a worker is served live-only (and counts as ready). */
  static final int LIVE_ONLY_AFTER_FAILURES = 3;
  /** Snapshot retry period floor once live-only. */
  static final long LIVE_ONLY_RETRY_MS = 10_000;

  private enum Pending { NONE, SNAPSHOT, REPLAY }

  private final String workerId;
  private final String agentUrl;
  private final RouterCore core;
  private final RecoveryClient recovery;
  private final IngestListener listener;
  private final Executor loop;
  private final LongSupplier clockMillis;
  private final BootstrapListener bootstrapListener;
  private final int blockSize;
  private final int liveOnlyAfter;
  private final EngineReplay engineReplay;
  private final long liveOnlyRetryMs;

  /** Last seq whose batch is in the index (contiguous watermark); -1 = none. */
  private long applied = -1;
  /** Last seq received on the live socket; live seqs only go up unless the publisher restarted. */
  private long lastLive = -1;
  private boolean bootstrapped;
  /** Agent unreachable at bootstrap: live batches are applied as they come while the snapshot is retried. */
  private boolean liveFallback;
  /** Served from live events alone: no agent, or the agent failed {@link #LIVE_ONLY_AFTER_FAILURES} snapshots. */
  private boolean liveOnly;
  private int snapshotFailures;
  /** The last replay found the agent up to date and a hole in the buffer: the next one gets no second chance. */
  private boolean askedAgainAfterUpToDate;
  private Pending pending = Pending.NONE;
  private int epoch;
  private long retryAt = Long.MAX_VALUE;
  private Pending retryKind = Pending.NONE;
  private long backoffMs = MIN_BACKOFF_MS;
  private final TreeMap<Long, KvEventBatch> buffer = new TreeMap<>();
  private boolean closed;
  private long lastActivity;
  /** Expired: live batches are ignored until the worker comes back and {@link #restart()} runs. */
  private boolean suspended;

  /** Hop-1 replay from a raw engine's ROUTER socket: its batches from {@code startSeq} on, decoded, in order. */
  interface EngineReplay {
    java.util.concurrent.CompletableFuture<java.util.List<RecoveryClient.SeqBatch>> replayFrom(long startSeq);
  }

  /** Told when the stream's index state becomes complete or stops being complete. */
  interface BootstrapListener {
    void onBootstrapped(String workerId, boolean bootstrapped);

    /** The worker is now (or no longer) served from its live stream alone. */
    default void onLiveOnly(String workerId, boolean liveOnly) {
    }

    /** The agent reports another block size than the router's: the worker must be flagged misconfigured. */
    void onBlockSizeMismatch(String workerId, String detail);
  }

  WorkerStream(String workerId, String agentUrl, RouterCore core, RecoveryClient recovery, IngestListener listener,
      Executor loop, LongSupplier clockMillis, BootstrapListener bootstrapListener, int blockSize) {
    this(workerId, agentUrl, core, recovery, listener, loop, clockMillis, bootstrapListener, blockSize,
        LIVE_ONLY_AFTER_FAILURES, LIVE_ONLY_RETRY_MS, null);
  }

  /** @param engineReplay the raw engine's replay (used only without an agent), or null */
  WorkerStream(String workerId, String agentUrl, RouterCore core, RecoveryClient recovery, IngestListener listener,
      Executor loop, LongSupplier clockMillis, BootstrapListener bootstrapListener, int blockSize,
      int liveOnlyAfter, long liveOnlyRetryMs, EngineReplay engineReplay) {
    this.engineReplay = engineReplay;
    this.liveOnlyAfter = liveOnlyAfter;
    this.liveOnlyRetryMs = liveOnlyRetryMs;
    this.blockSize = blockSize;
    this.workerId = workerId;
    this.agentUrl = agentUrl == null || agentUrl.isBlank() ? null : agentUrl;
    this.core = core;
    this.recovery = recovery;
    this.listener = listener;
    this.loop = loop;
    this.clockMillis = clockMillis;
    this.bootstrapListener = bootstrapListener;
  }

  /** Starts the stream: snapshot bootstrap when there is an agent; otherwise the live stream is all there is. */
  void start() {
    if (agentUrl == null) {
      setBootstrapped(true);
      setLiveOnly(true);
    } else {
      requestSnapshot("new_worker");
    }
  }

  /** Forget the worker's index state and bootstrap again (e.g. it came back after its entries expired). */
  void restart() {
    expire();
    suspended = false;
    start();
  }

  /** The worker was down past the grace period: drop its index state and wait for {@link #restart()}. */
  void expire() {
    epoch++;
    pending = Pending.NONE;
    buffer.clear();
    applied = -1;
    lastLive = -1;
    liveFallback = false;
    retryAt = Long.MAX_VALUE;
    suspended = true;
    snapshotFailures = 0;
    setBootstrapped(false);
    setLiveOnly(false);
    core.submitResetAll(workerId);
  }

  void close() {
    closed = true;
    epoch++;
    buffer.clear();
  }

  long applied() {
    return applied;
  }

  boolean bootstrapped() {
    return bootstrapped;
  }

  boolean liveOnly() {
    return liveOnly;
  }

  /** A decoded live batch. */
  void onLive(long seq, KvEventBatch batch) {
    if (closed || suspended) {
      return;
    }
    lastActivity = clockMillis.getAsLong();
    boolean restarted = lastLive >= 0 && seq <= lastLive;
    lastLive = seq;
    if (restarted) {
      onRestart(seq, batch);
      return;
    }
    if (engineReplay != null && agentUrl == null) {
      onLiveFromEngine(seq, batch);
      return;
    }
    if (pending != Pending.NONE) {
      buffer(seq, batch);
      if (liveFallback && pending == Pending.SNAPSHOT) {
        applyLive(seq, batch);
      }
      return;
    }
    if (applied < 0 && (agentUrl == null || liveFallback)) {
      applyFirst(seq, batch);
      return;
    }
    if (seq <= applied) {
      // Either a late duplicate of a replayed batch or a restarted agent whose seq began again: ask the agent's
      // head (a replay from the watermark); a head below the watermark means a restart.
      if (agentUrl == null || liveFallback) {
        listener.dropped(workerId, "duplicate", 1);
        return;
      }
      buffer(seq, batch);
      requestReplay(false);
      return;
    }
    if (seq == applied + 1) {
      apply(seq, batch);
      return;
    }
    long missing = seq - applied - 1;
    listener.seqGap(workerId, missing);
    if (agentUrl == null || liveFallback) {
      LOG.warn("kv event gap worker={} missing={} after={} recovery=none", workerId, missing, applied);
      apply(seq, batch);
      return;
    }
    LOG.warn("kv event gap worker={} missing={} after={} recovery=replay", workerId, missing, applied);
    buffer(seq, batch);
    requestReplay(false);
  }

  /** Raw engine with a replay socket: apply in order; recover gaps (and a mid-way join) through the replay. */
  private void onLiveFromEngine(long seq, KvEventBatch batch) {
    if (pending != Pending.NONE) {
      buffer(seq, batch);
      return;
    }
    if (applied >= 0 && seq <= applied) {
      listener.dropped(workerId, "duplicate", 1);
      return;
    }
    if (seq == applied + 1) {
      apply(seq, batch);
      return;
    }
    if (applied >= 0) {
      listener.seqGap(workerId, seq - applied - 1);
      LOG.warn("kv event gap worker={} missing={} after={} recovery=engine_replay", workerId, seq - applied - 1,
          applied);
    } else {
      LOG.info("kv stream joined mid-way worker={} first_seq={} recovery=engine_replay", workerId, seq);
    }
    buffer(seq, batch);
    requestEngineReplay(applied + 1, seq - 1);
  }

  private void requestEngineReplay(long start, long target) {
    pending = Pending.REPLAY;
    int myEpoch = epoch;
    engineReplay.replayFrom(start).whenComplete((batches, err) -> loop.execute(() -> {
      if (myEpoch != epoch || closed) {
        return;
      }
      pending = Pending.NONE;
      if (err != null) {
        listener.replay(workerId, "failed");
        LOG.warn("kv engine replay failed worker={} from={} error=\"{}\" action=continue_live", workerId, start,
            err.getMessage());
      } else {
        applyEngineReplay(start, target, batches);
      }
      drainAcceptingGaps();
    }));
  }

  private void applyEngineReplay(long start, long target, java.util.List<RecoveryClient.SeqBatch> batches) {
    String flag = null;
    if (batches.isEmpty()) {
      flag = "empty";
    } else if (batches.get(0).seq() > start) {
      flag = "started_after_requested";
    }
    long before = applied;
    for (RecoveryClient.SeqBatch sb : batches) {
      if (sb.seq() <= applied) {
        continue;
      }
      if (sb.seq() != applied + 1 && applied >= 0) {
        if (flag == null) {
          flag = "non_contiguous";
        }
        listener.seqGap(workerId, sb.seq() - applied - 1);
      } else if (sb.seq() != applied + 1 && flag == null) {
        flag = "started_after_requested";
      }
      apply(sb.seq(), sb.batch());
    }
    if (flag == null && applied < target) {
      flag = "ended_before_target";
    }
    listener.replay(workerId, flag == null ? "ok" : "incomplete_" + flag);
    if (flag == null) {
      LOG.info("kv engine replay worker={} from={} applied_to={}", workerId, start, applied);
    } else {
      LOG.warn("kv engine replay incomplete worker={} from={} target={} reason={} batches={} applied_from={} "
          + "applied_to={}", workerId, start, target, flag, batches.size(), before, applied);
    }
  }

  /** Applies the buffered live batches in order, skipping those at or below the watermark; holes are counted. */
  private void drainAcceptingGaps() {
    for (Map.Entry<Long, KvEventBatch> e : buffer.entrySet()) {
      long seq = e.getKey();
      if (seq <= applied) {
        continue;
      }
      if (applied >= 0 && seq > applied + 1) {
        listener.seqGap(workerId, seq - applied - 1);
      }
      apply(seq, e.getValue());
    }
    buffer.clear();
  }

  /** Timers: retries with backoff. */
  void onTick() {
    if (closed || suspended) {
      return;
    }
    long now = clockMillis.getAsLong();
    if (retryAt == Long.MAX_VALUE) {
      if (agentUrl != null && bootstrapped && !liveFallback && pending == Pending.NONE
          && now - lastActivity > TAIL_PROBE_MS) {
        lastActivity = now;
        requestReplay(true);
      }
      return;
    }
    if (now - retryAt < 0) {
      return;
    }
    Pending kind = retryKind;
    retryAt = Long.MAX_VALUE;
    retryKind = Pending.NONE;
    if (pending != Pending.NONE) {
      return;
    }
    if (kind == Pending.SNAPSHOT) {
      requestSnapshot("retry");
    } else if (kind == Pending.REPLAY) {
      requestReplay(false);
    }
  }

  private void applyFirst(long seq, KvEventBatch batch) {
    // First live batch with no index state to continue from (no agent, or agent unreachable).
    if (seq > 0 && agentUrl == null) {
      LOG.info("kv stream joined mid-way worker={} first_seq={}", workerId, seq);
    }
    apply(seq, batch);
  }

  private void applyLive(long seq, KvEventBatch batch) {
    if (applied >= 0 && seq <= applied) {
      return;
    }
    if (applied >= 0 && seq > applied + 1) {
      listener.seqGap(workerId, seq - applied - 1);
    }
    apply(seq, batch);
  }

  private void onRestart(long seq, KvEventBatch batch) {
    LOG.warn("kv seq went backwards worker={} seq={} last_applied={} action={}", workerId, seq, applied,
        agentUrl == null ? "reset" : "reset_and_snapshot");
    epoch++;
    pending = Pending.NONE;
    buffer.clear();
    retryAt = Long.MAX_VALUE;
    if (agentUrl == null) {
      core.submitResetAll(workerId);
      applied = -1;
      apply(seq, batch);
      return;
    }
    liveFallback = false;
    setBootstrapped(false);
    buffer(seq, batch);
    requestSnapshot("seq_backwards");
  }

  private void apply(long seq, KvEventBatch batch) {
    if (!batch.events().isEmpty()) {
      core.submit(workerId, batch);
    }
    applied = seq;
    listener.batchApplied(workerId, batch.events().size());
  }

  private void buffer(long seq, KvEventBatch batch) {
    if (buffer.size() >= MAX_BUFFERED) {
      // The tail is lost; once recovered, the next live batch shows a gap and triggers a replay.
      listener.dropped(workerId, "buffer_full", 1);
      return;
    }
    buffer.put(seq, batch);
  }

  private void requestSnapshot(String why) {
    pending = Pending.SNAPSHOT;
    int myEpoch = epoch;
    LOG.info("kv snapshot requested worker={} reason={} url={}", workerId, why, agentUrl);
    Future<RecoveryClient.Snapshot> f = recovery.snapshot(agentUrl);
    f.onComplete(ar -> loop.execute(() -> {
      if (myEpoch != epoch || closed) {
        return;
      }
      pending = Pending.NONE;
      if (ar.succeeded()) {
        loadSnapshot(ar.result());
      } else {
        snapshotFailed(ar.cause());
      }
    }));
  }

  private void loadSnapshot(RecoveryClient.Snapshot snapshot) {
    if (snapshot.blockSize() != blockSize) {
      listener.snapshot(workerId, "block_size_mismatch");
      bootstrapListener.onBlockSizeMismatch(workerId, "agent snapshot block_size " + snapshot.blockSize()
          + " differs from the router's " + blockSize);
      buffer.clear();
      return;
    }
    core.submitResetAll(workerId);
    int events = 0;
    for (KvEventBatch b : snapshot.batches()) {
      core.submit(workerId, b);
      events += b.events().size();
    }
    applied = snapshot.seq();
    listener.snapshot(workerId, "ok");
    LOG.info("kv snapshot loaded worker={} seq={} batches={} events={} buffered={}", workerId, snapshot.seq(),
        snapshot.batches().size(), events, buffer.size());
    liveFallback = false;
    backoffMs = MIN_BACKOFF_MS;
    snapshotFailures = 0;
    if (liveOnly) {
      LOG.info("kv worker bootstrapped after live-only worker={} seq={}", workerId, snapshot.seq());
    }
    setLiveOnly(false);
    setBootstrapped(true);
    drainBuffer(true);
  }

  private void snapshotFailed(Throwable cause) {
    listener.snapshot(workerId, "failed");
    snapshotFailures++;
    long delay = nextBackoff();
    if (snapshotFailures >= liveOnlyAfter) {
      delay = Math.max(delay, liveOnlyRetryMs);
      if (!liveOnly) {
        LOG.warn("kv worker live-only worker={} url={} failed_snapshots={} retry_every_ms={}", workerId, agentUrl,
            snapshotFailures, delay);
        setLiveOnly(true);
      }
    }
    LOG.warn("kv snapshot failed worker={} url={} error=\"{}\" retry_in_ms={} live_fallback=true", workerId,
        agentUrl, cause.getMessage(), delay);
    // Start (or go on) from the live stream so routing sees this worker's cache meanwhile.
    if (!liveFallback) {
      liveFallback = true;
      for (Map.Entry<Long, KvEventBatch> e : buffer.entrySet()) {
        applyLive(e.getKey(), e.getValue());
      }
    }
    buffer.clear();
    scheduleRetry(Pending.SNAPSHOT, delay);
  }

  private void requestReplay(boolean probe) {
    pending = Pending.REPLAY;
    int myEpoch = epoch;
    long after = applied;
    Future<RecoveryClient.Replay> f = recovery.eventsAfter(agentUrl, after);
    f.onComplete(ar -> loop.execute(() -> {
      if (myEpoch != epoch || closed) {
        return;
      }
      pending = Pending.NONE;
      if (ar.failed() && probe) {
        return;
      }
      if (ar.failed()) {
        listener.replay(workerId, "failed");
        long delay = nextBackoff();
        LOG.warn("kv replay failed worker={} after={} error=\"{}\" retry_in_ms={}", workerId, after,
            ar.cause().getMessage(), delay);
        scheduleRetry(Pending.REPLAY, delay);
        return;
      }
      RecoveryClient.Replay replay = ar.result();
      if (!replay.gone() && replay.lastSeq() < after) {
        listener.replay(workerId, "agent_restarted");
        LOG.warn("kv agent head below watermark worker={} head={} applied={} action=reset_and_snapshot", workerId,
            replay.lastSeq(), after);
        buffer.clear();
        setBootstrapped(false);
        requestSnapshot("agent_restarted");
        return;
      }
      if (replay.gone()) {
        listener.replay(workerId, "gone");
        LOG.warn("kv replay gone worker={} after={} action=reset_and_snapshot", workerId, after);
        setBootstrapped(false);
        requestSnapshot("replay_gone");
        return;
      }
      for (RecoveryClient.SeqBatch sb : replay.batches()) {
        if (sb.seq() <= applied) {
          continue;
        }
        if (sb.seq() != applied + 1) {
          break;
        }
        apply(sb.seq(), sb.batch());
      }
      boolean progressed = applied > after;
      if (probe) {
        if (progressed) {
          listener.seqGap(workerId, applied - after);
          listener.replay(workerId, "tail_recovered");
          LOG.warn("kv tail recovered worker={} after={} recovered_to={}", workerId, after, applied);
        }
        drainBuffer(true);
        return;
      }
      // The agent had nothing newer than the watermark when it answered (e.g. a head check after a late duplicate):
      // the replay was complete, and a hole in the buffer was published after the answer. Ask once more rather than
      // fall back to a snapshot; a second such answer with the hole still open is a real hole.
      boolean upToDate = replay.lastSeq() <= applied;
      boolean askAgain = !progressed && upToDate && !askedAgainAfterUpToDate;
      askedAgainAfterUpToDate = askAgain;
      listener.replay(workerId, progressed || upToDate ? "ok" : "incomplete");
      backoffMs = MIN_BACKOFF_MS;
      drainBuffer(progressed || askAgain);
      if (buffer.isEmpty()) {
        askedAgainAfterUpToDate = false;
      }
    }));
  }

  /**
   * Applies buffered batches that continue the watermark. If a hole remains, replays again when the last recovery
   * made progress, else falls back to a snapshot (the agent cannot fill the hole).
   */
  private void drainBuffer(boolean mayReplay) {
    while (!buffer.isEmpty()) {
      Map.Entry<Long, KvEventBatch> first = buffer.firstEntry();
      long seq = first.getKey();
      if (seq <= applied) {
        buffer.pollFirstEntry();
        continue;
      }
      if (seq == applied + 1) {
        buffer.pollFirstEntry();
        apply(seq, first.getValue());
        continue;
      }
      listener.seqGap(workerId, seq - applied - 1);
      if (mayReplay) {
        requestReplay(false);
      } else {
        LOG.warn("kv replay incomplete worker={} after={} next_buffered={} action=reset_and_snapshot", workerId,
            applied, seq);
        setBootstrapped(false);
        requestSnapshot("replay_incomplete");
      }
      return;
    }
  }

  private void scheduleRetry(Pending kind, long delayMs) {
    retryKind = kind;
    retryAt = clockMillis.getAsLong() + delayMs;
  }

  private long nextBackoff() {
    long d = backoffMs;
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    return d;
  }

  private void setLiveOnly(boolean value) {
    if (liveOnly == value) {
      return;
    }
    liveOnly = value;
    bootstrapListener.onLiveOnly(workerId, value);
  }

  private void setBootstrapped(boolean value) {
    if (bootstrapped == value) {
      return;
    }
    bootstrapped = value;
    if (!value) {
      bootstrapListener.onBootstrapped(workerId, false);
      return;
    }
    // Announce readiness only once the index has applied everything submitted so far (the snapshot included).
    int myEpoch = epoch;
    core.barrier().thenRun(() -> loop.execute(() -> {
      if (myEpoch == epoch && bootstrapped && !closed) {
        bootstrapListener.onBootstrapped(workerId, true);
      }
    }));
  }
}
