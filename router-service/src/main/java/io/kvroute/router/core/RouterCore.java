package io.kvroute.router.core;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.router.core.impl.DefaultRouterCore;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The router's brain, without any I/O: the radix index of cached blocks, the predicted active load per worker and
 * the routing policies. Thread-safe facade.
 *
 * <p>Writes (events, resets, removals) are queued to one owner thread and applied in submission order. Reads
 * ({@link #findMatches}, {@link #route}, {@link #score}) run on the caller's thread and never wait behind a long
 * write batch. Load bookkeeping ({@link #route}, {@link #prefillDone}, {@link #release}) is immediate.
 *
 * <p>Workers are identified by string ids externally; a worker may have several data-parallel ranks, and every
 * (worker, dp rank) is a separate scheduling target.
 */
public interface RouterCore extends AutoCloseable {

  /** A core with its own index owner thread; {@code clock} drives request expiry. Close it to stop the thread. */
  static RouterCore create(RouterCoreConfig config, Clock clock) {
    return new DefaultRouterCore(config, clock);
  }

  // ---- index writes (asynchronous, FIFO) ----

  /** Queues a batch of events of one worker for the owner thread. Never blocks. */
  void submit(String workerId, KvEventBatch batch);

  /** Queues: forget every block of (worker, dpRank); used before loading a snapshot. */
  void submitReset(String workerId, int dpRank);

  /** Queues: forget every block of every rank of the worker. */
  void submitResetAll(String workerId);

  /** Queues: forget the worker entirely (index and load). */
  void submitRemoveWorker(String workerId);

  /** Writes queued and not yet taken by the owner thread (a gauge for metrics). */
  default int pendingWrites() {
    return 0;
  }

  /** Completes once every write submitted before this call has been applied. */
  CompletableFuture<Void> barrier();

  // ---- index reads (any thread) ----

  /** Matched prefix depth per target and tree size per target, for a query of local block hashes. */
  OverlapScores findMatches(long[] localHashes);

  /**
   * As {@link #findMatches(long[])}; with {@code earlyExit} the walk stops as soon as one target is left (that
   * target's depth is then a lower bound).
   */
  default OverlapScores findMatches(long[] localHashes, boolean earlyExit) {
    return findMatches(localHashes);
  }

  /**
   * The index as stored events that rebuild it, grouped by target: for each (worker, dp rank) a list of
   * single-parent chains in parent-before-child order. Runs on the owner thread.
   */
  CompletableFuture<Map<Target, List<KvEvent.Stored>>> dump();

  /**
   * Like {@link #dump()}, but exact: a block whose target no longer holds its parent (the engine evicted a parent
   * before its child) is re-created through its missing ancestors, which a trailing {@link KvEvent.Removed} per
   * target removes again. Replaying each target's list into an empty core rebuilds an identical index.
   */
  default CompletableFuture<Map<Target, List<KvEvent>>> dumpEvents() {
    return dump().thenApply(m -> {
      Map<Target, List<KvEvent>> out = new java.util.LinkedHashMap<>();
      m.forEach((t, events) -> out.put(t, List.copyOf(events)));
      return out;
    });
  }

  /** Counters and sizes for metrics and {@code /debug/tree_info}. */
  IndexStats indexStats();

  // ---- load and decisions (any thread) ----

  /**
   * Scores every candidate with the query's policy, picks one, books the request's load on it and returns the
   * decision; {@link RouteDecision#target()} is null when no candidate is eligible.
   */
  RouteDecision route(RouteQuery query, List<Candidate> candidates);

  /** Dry run of {@link #route}: every candidate's overlap, load and cost; books nothing. */
  List<CandidateScore> score(RouteQuery query, List<Candidate> candidates);

  /** Books a request routed elsewhere (another replica) so this core's load view includes it. */
  void book(String requestId, Target target, long[] sequenceHashes, int numTokens, int overlapBlocks);

  /** The request's prefill is done (first token seen): its prefill tokens stop counting. Unknown ids: false. */
  boolean prefillDone(String requestId);

  /** The request ended: its blocks and tokens stop counting. Idempotent; unknown ids: false. */
  boolean release(String requestId);

  /** Active load of every target that has any. */
  Map<Target, LoadView> loads();

  /** Latest engine metrics of a worker (also resets the seed policy's local waiting bump). */
  void onMetrics(String workerId, WorkerMetrics metrics);

  /** Force-frees requests older than the configured expiry; called periodically. Returns how many. */
  int expireStale();

  @Override
  void close();
}
